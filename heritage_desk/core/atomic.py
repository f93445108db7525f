"""Atomic file writes: a temp file beside the target, fsynced, renamed over it, folder fsynced.

A reader sees the old file or the new one, never half of one; a crash leaves at most a temp
file named ".<target>.<8 chars>.tmp", the pattern `heritage-desk check` removes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def fsync_dir(folder: str | Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def regular_target(target: str | Path) -> Path:
    """The file a rename may replace: `target`, or the file a symlink leads to; OSError when
    it exists and is not a regular file (renaming over /dev/null or a FIFO would replace the
    node itself for every program on the machine)."""
    path = Path(target)
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # replace what the link names, keep the link
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return path
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "not a regular file: refusing to replace it", str(path))
    return path


@contextlib.contextmanager
def atomic_path(target: str | Path, *, durable: bool = True) -> Iterator[Path]:
    """Yield a temp path beside `target` to fill; on success it replaces `target` durably.

    The body writes the temp file by any means (a file handle, sqlite3's backup API, a library
    that takes a file name). On an exception the temp file is removed and `target` is untouched.
    durable=False skips the fsyncs: for caches (thumbnails, embeddings) that are rebuilt when a
    power cut leaves a file short, where an fsync per file would cost more than the file.
    """
    target = regular_target(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give what a plain open() would
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_write(
    target: str | Path,
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
    durable: bool = True,
) -> Iterator[IO[Any]]:
    """Open a temp file beside `target` for writing; on success it replaces `target` durably."""
    if "b" in mode:
        encoding = None
    with (
        atomic_path(target, durable=durable) as tmp,
        open(tmp, mode, encoding=encoding, newline=newline) as fh,
    ):
        yield fh
        fh.flush()
