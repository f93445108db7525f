"""Output paths that must never be replaced (issue 16 item 2): the catalogue itself, its WAL
and SHM files, its models folder, a file that is not our CSV, a device node or a FIFO. `-` is
standard output.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from heritage_desk.core.atomic import atomic_path, atomic_write
from heritage_desk.core.model import Field, Suggestion
from heritage_desk.storage.catalogue import Catalogue
from tests.reliability.helpers import ROOT, child_env


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heritage_desk", *args],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A catalogue with one asset and one accepted decision, its WAL still open beside it."""
    path = tmp_path / "c.sqlite"
    with Catalogue.open(path) as cat:
        aid = cat.add_asset("a.jpg", "a" * 64)
        s = Suggestion(Field.ARTIST, "Claude Monet", 0.9, 1, "m001")
        cat.replace_suggestions(aid, [s])
        cat.accept_suggestions([(aid, s)], "ana")
    (path.with_name(path.name + ".models")).mkdir()
    (path.with_name(path.name + ".models") / "m001.safetensors").write_bytes(b"weights")
    return path


def _decisions(path: Path) -> int:
    with Catalogue.open(path, create=False) as cat:
        return len(cat.history(cat.asset_ids()[0]))


def test_export_and_suggest_refuse_the_catalogue_and_its_files(
    catalogue: Path, tmp_path: Path
) -> None:
    """Was: exit 0 and the catalogue replaced by a CSV, every decision lost."""
    wal = catalogue.with_name(catalogue.name + "-wal")
    wal.write_bytes(b"")  # as SQLite leaves it while another program has the file open
    link = tmp_path / "link.csv"
    link.symlink_to(catalogue)
    hard = tmp_path / "hard.csv"
    os.link(catalogue, hard)
    models = catalogue.with_name(catalogue.name + ".models")
    targets = [catalogue, wal, catalogue.with_name(catalogue.name + "-shm"), link, hard,
               models / "m001.safetensors", models / "new.csv"]  # fmt: skip
    before = {p: _sha(p) for p in (catalogue, models / "m001.safetensors")}
    for target in targets:
        # suggest loads torch (seconds): tried on the file, the WAL, a link and the models folder
        verbs = (
            ("export", "suggest")
            if target in (catalogue, wal, link, models / "new.csv")
            else ("export",)
        )
        for verb in verbs:
            res = _cli(verb, str(catalogue), "--out", str(target), "--force")
            assert res.returncode == 1, (verb, target, res.stdout, res.stderr[-1500:])
            err = res.stderr.strip().splitlines()
            assert len(err) == 1 and "catalogue" in err[0], (verb, target, res.stderr)
            assert "Traceback" not in res.stderr
    assert {p: _sha(p) for p in before} == before
    assert not (models / "new.csv").exists()
    assert _decisions(catalogue) == 1


def test_a_file_that_is_not_our_csv_needs_force(catalogue: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.csv"
    notes.write_text("my own notes, not an export\n", encoding="utf-8")
    res = _cli("export", str(catalogue), "--out", str(notes))
    assert res.returncode == 1 and "--force" in res.stderr, res.stderr
    assert notes.read_text(encoding="utf-8") == "my own notes, not an export\n"
    res = _cli("export", str(catalogue), "--out", str(notes), "--force")
    assert res.returncode == 0, res.stderr
    assert notes.read_text(encoding="utf-8").startswith("image_file,")
    # Our own export is replaced without asking, as before.
    res = _cli("export", str(catalogue), "--out", str(notes))
    assert res.returncode == 0, res.stderr


def test_dash_is_standard_output(catalogue: Path, tmp_path: Path) -> None:
    res = _cli("export", str(catalogue), "--out", "-")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("image_file,inventory_number,artist,"), res.stdout[:200]
    assert "Claude Monet" in res.stdout
    assert not (ROOT / "-").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root (CI and this machine have it)")
def test_a_device_node_is_written_never_replaced(catalogue: Path, tmp_path: Path) -> None:
    """A copy of /dev/null made with mknod: was replaced by a regular file (as root)."""
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    for verb in ("export", "suggest"):
        res = _cli(verb, str(catalogue), "--out", str(null))
        assert stat.S_ISCHR(null.lstat().st_mode), f"{verb} replaced the device node"
        assert "Traceback" not in res.stderr, res.stderr[-2000:]
    assert not list(tmp_path.glob(".null.*.tmp"))
    # The library's atomic writers refuse it outright.
    for writer in (atomic_path, atomic_write):
        with pytest.raises(OSError, match="not a regular file"), writer(null):
            pass
    assert stat.S_ISCHR(null.lstat().st_mode)


def test_a_fifo_is_written_directly(catalogue: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    res = _cli("export", str(catalogue), "--out", str(fifo))
    reader.join(60)
    assert res.returncode == 0, res.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a regular file"
    assert got and got[0].startswith(b"image_file,") and b"Claude Monet" in got[0]
    with pytest.raises(OSError, match="not a regular file"), atomic_path(fifo):
        pass
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


INNER_PAYLOADS = [
    "x;=cmd|' /C calc'!A0;",
    'Study\t=HYPERLINK("http://evil.example")',
    "a|@SUM(1+1)|b",
    "\uff1d1+1",  # fullwidth ＝
    "\uff0bcmd",
    "Monet, Claude; -1870",
    "1;-2;3",
]


def test_formulas_after_any_delimiter_are_neutralised(tmp_path: Path) -> None:
    """A comma CSV opened as `;`-, tab- or `|`-delimited starts a cell after each of them; a
    fullwidth ＝ counts as =. Was: only the cell's own first character was escaped."""
    import csv

    from heritage_desk.core.csvsafe import TRIGGERS, is_plain_number
    from heritage_desk.storage.exporter import export_csv
    from heritage_desk.storage.importer import import_collection
    from tests.fixtures import broken

    images = tmp_path / "img"
    with Catalogue.open(tmp_path / "a.sqlite") as cat:
        for i, payload in enumerate(INNER_PAYLOADS):
            from heritage_desk.storage.images import inspect_image

            facts = inspect_image(broken.good_jpeg(images / f"{i}.jpg"))
            a = cat.add_asset(f"{i}.jpg", facts.checksum)
            from heritage_desk.core.model import Provenance

            cat.set_field(a, Field.TITLE, payload, Provenance.IMPORTED)
        out = tmp_path / "out.csv"
        export_csv(cat, out)
    text = out.read_text(encoding="utf-8")
    for delimiter in (",", ";", "\t", "|"):
        for row in csv.reader(text.splitlines(), delimiter=delimiter):
            for cell in row:
                c = cell.strip('"')
                assert not c or c[0] not in TRIGGERS or is_plain_number(c), (delimiter, cell)
    with Catalogue.open(tmp_path / "b.sqlite") as cat:
        import_collection(cat, images, out)
        titles = sorted(a.title or "" for a in cat.get_assets(cat.asset_ids()))
    assert titles == sorted(INNER_PAYLOADS)
