"""Where a CSV the app writes may go: never onto a protected file, a foreign file only when
asked, `-` to standard output, a character device or FIFO written in place (never replaced),
a disk device refused.

The one guard for every output path (export, suggest --out); callers name what to protect
(a catalogue, its WAL/SHM files, its models folder) and the header of the CSV they write.
"""

from __future__ import annotations

import contextlib
import csv
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from heritage_desk.core.atomic import atomic_write
from heritage_desk.core.csvsafe import neutralise_row

STDOUT = "-"


class OutputPathError(ValueError):
    """An output path refused: one line naming it and why; `force` says --force would do."""

    def __init__(self, message: str, *, force: bool = False) -> None:
        super().__init__(message)
        self.force = force


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_output(
    out: str | Path,
    *,
    protected_files: Iterable[Path] = (),
    protected_dirs: Iterable[Path] = (),
    header: Sequence[str] = (),
    force: bool = False,
    what: str = "the catalogue",
) -> None:
    """Refuse `out` if it is (a link to) a protected file or lies in a protected folder, or if
    it is a regular file whose first line is not `header` (a CSV we wrote) and not `force`."""
    if str(out) == STDOUT:
        return
    path = Path(out).expanduser()
    real = Path(os.path.realpath(path))
    try:
        st = os.stat(path)
    except OSError:
        st = None
    for p in protected_files:
        try:
            same = st is not None and _same_file(st, os.stat(p))  # hard links too
        except OSError:
            same = False
        if same or real == Path(os.path.realpath(p)):
            raise OutputPathError(f"{out} is {what} ({p.name}): refusing to write over it")
    for d in protected_dirs:
        if real.is_relative_to(os.path.realpath(d)):
            raise OutputPathError(f"{out} is inside {what}'s folder {d}: choose another place")
    if st is None or not stat.S_ISREG(st.st_mode) or force:
        return
    if st.st_size and not is_our_csv(path, header):
        what_file = "a CSV written by heritage-desk" if header else "empty"
        raise OutputPathError(f"{out} exists and is not {what_file}", force=True)


def is_our_csv(path: Path, header: Sequence[str]) -> bool:
    """True when the file's first line is `header` (a BOM allowed): a CSV we wrote."""
    want = ",".join(header).encode("utf-8")
    try:
        with open(path, "rb") as f:
            first = f.readline(len(want) + 8)
    except OSError:
        return False
    return bool(header) and first.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n") == want


@contextlib.contextmanager
def open_output(out: str | Path, *, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """A text handle for a CSV (newline=""): `-` is standard output, a device or FIFO is opened
    in place, anything else is written atomically (temp file, fsync, rename)."""
    if str(out) == STDOUT:
        sys.stdout.flush()
        with open(sys.stdout.fileno(), "w", encoding=encoding, newline="", closefd=False) as fh:
            yield fh
        return
    path = Path(out).expanduser()
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISBLK(mode):
        raise OutputPathError(f"{out} is a disk device: refusing to write to it")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):  # /dev/null, a pipe: written, not replaced
        with open(path, "w", encoding=encoding, newline="") as fh:
            yield fh
        return
    with atomic_write(path, encoding=encoding, newline="") as fh:
        yield fh


def write_csv(
    out: str | Path, columns: Sequence[str], rows: Iterable[Sequence[str]], *, bom: bool = False
) -> int:
    """Write `columns` then `rows` as RFC 4180 CSV through open_output, formula-looking cells
    neutralised (OWASP CSV injection); a UTF-8 BOM first with `bom` (for Excel). The rows
    written: every CSV the app writes goes through here."""
    done = 0
    with open_output(out, encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh, dialect="excel", lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(neutralise_row(list(row)))
            done += 1
    return done
