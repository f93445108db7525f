"""A full disk and a read-only catalogue.

Full disk two ways: a real small tmpfs (ENOSPC; needs root to mount, which this machine and CI
have; skipped with the reason otherwise), and RLIMIT_FSIZE in a child (EFBIG; works for any
user, so the behaviour is covered even where mounting is not allowed). Read-only: a read-only
bind mount (root) or, where mounting is not allowed, file modes (which root would ignore).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from heritage_desk.core.model import Action, Field, Provenance
from heritage_desk.services.check import CheckOptions, check_location
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueError
from heritage_desk.storage.exporter import export_columns, export_csv
from tests.reliability.helpers import ROOT, catalogue_with_suggestions, child_env, sqlite_integrity


def _mount(*args: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def small_tmpfs(path: Path, size_kb: int) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if not _mount("-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)):
        pytest.skip("cannot mount a tmpfs here (needs root); the RLIMIT_FSIZE tests cover this")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _fill(folder: Path, leave_bytes: int) -> Path:
    """Fill a file system up to `leave_bytes` free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / "filler.bin"
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave_bytes))
    return filler


def _cli(*args: str, fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [sys.executable, "-m", "heritage_desk", *args],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300,
        preexec_fn=limit,
    )  # fmt: skip


def _one_line_error(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode != 0, res.stdout[-2000:]
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    return lines[0]


def _previous_export() -> bytes:
    """An earlier export (our header: replaced without --force, issue 16 item 2)."""
    return (",".join(export_columns()) + "\r\nold.jpg\r\n").encode()


def test_export_onto_a_full_tmpfs_keeps_the_old_file(tmp_path: Path) -> None:
    cat_path = tmp_path / "c.sqlite"
    catalogue_with_suggestions(str(cat_path), n=400)
    with small_tmpfs(tmp_path / "full", 256) as fs:
        out = fs / "out.csv"
        old = _previous_export()
        out.write_bytes(old)
        filler = _fill(fs, 8 * 1024)
        with Catalogue.open(cat_path) as cat, pytest.raises(OSError) as err:
            export_csv(cat, out)
        assert err.value.errno in (28, 27)  # ENOSPC (EFBIG on odd systems)
        assert out.read_bytes() == old
        assert sorted(p.name for p in fs.iterdir()) == ["filler.bin", "out.csv"]
        line = _one_line_error(_cli("export", str(cat_path), "--out", str(out)))
        assert "cannot write" in line and "No space left" in line
        assert sorted(p.name for p in fs.iterdir()) == ["filler.bin", "out.csv"]
        filler.unlink()
        assert _cli("export", str(cat_path), "--out", str(out)).returncode == 0
        assert len(out.read_text().splitlines()) == 401


def test_export_over_the_file_size_limit_keeps_the_old_file(tmp_path: Path) -> None:
    cat_path = tmp_path / "c.sqlite"
    catalogue_with_suggestions(str(cat_path), n=1000)  # exports ~170 KB
    out = tmp_path / "exports" / "out.csv"
    out.parent.mkdir()
    out.write_bytes(_previous_export())
    # 64 KB: room for SQLite's 32 KB -shm file (readers write it), not for the export.
    line = _one_line_error(_cli("export", str(cat_path), "--out", str(out), fsize=65_536))
    assert "cannot write" in line and "too large" in line.lower()
    assert out.read_bytes() == _previous_export()
    assert [p.name for p in out.parent.iterdir()] == ["out.csv"]


def _images(folder: Path, n: int) -> Path:
    """n small PNGs, each with its own content (its number written into its pixels)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        img = Image.new("RGB", (8, 8), (200, 100, 50))
        img.putpixel((0, 0), (i % 256, (i // 256) % 256, (i // 65536) % 256))
        img.save(folder / f"{i:05d}.png")
    return folder


def _with_decision(cat_path: Path) -> None:
    catalogue_with_suggestions(str(cat_path), n=5)
    with Catalogue.open(cat_path) as cat:
        cat.set_field(1, Field.ARTIST, "Kept", Provenance.CURATOR, reviewer="cur",
                      action=Action.EDIT)  # fmt: skip


def _after_failure(cat_path: Path) -> int:
    assert sqlite_integrity(cat_path) == []
    with Catalogue.open(cat_path) as cat:
        assert cat.integrity_check() == []
        assert cat.get_field(1, Field.ARTIST).value == "Kept"  # type: ignore[union-attr]
        assert [d.new_value for d in cat.history(1)] == ["Kept"]
        return cat.count_assets()


def test_import_into_a_catalogue_on_a_full_tmpfs(tmp_path: Path) -> None:
    images = _images(tmp_path / "img", 600)
    with small_tmpfs(tmp_path / "full", 1024) as fs:
        cat_path = fs / "c.sqlite"
        _with_decision(cat_path)
        filler = _fill(fs, 48 * 1024)
        res = _cli("import", str(cat_path), "--images", str(images))
        line = _one_line_error(res)
        assert "full" in line.lower() or "space" in line.lower(), line
        n = _after_failure(cat_path)
        assert 5 <= n < 605
        filler.unlink()
        res = _cli("import", str(cat_path), "--images", str(images))
        assert res.returncode == 0, res.stderr[-2000:]
        assert _after_failure(cat_path) == 605


def test_import_over_the_file_size_limit(tmp_path: Path) -> None:
    images = _images(tmp_path / "img", 600)
    cat_path = tmp_path / "c.sqlite"
    _with_decision(cat_path)
    res = _cli(
        "import", str(cat_path), "--images", str(images), fsize=cat_path.stat().st_size + 40_000
    )
    line = _one_line_error(res)
    assert "c.sqlite" in line
    n = _after_failure(cat_path)
    assert 5 <= n < 605
    assert _cli("import", str(cat_path), "--images", str(images)).returncode == 0
    assert _after_failure(cat_path) == 605


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make `folder` read-only: a read-only bind mount as root, file modes otherwise."""
    if _mount("--bind", str(folder), str(folder)):
        if _mount("-o", "remount,ro,bind", str(folder)):
            try:
                yield "read-only mount"
            finally:
                subprocess.run(["umount", "-l", str(folder)], check=False)
            return
        subprocess.run(["umount", "-l", str(folder)], check=False)
    if os.geteuid() == 0:
        pytest.skip("root ignores file modes and mounting failed: cannot make a read-only file")
    modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
    for p in modes:
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        yield "file modes"
    finally:
        for p, m in modes.items():
            p.chmod(m)


@pytest.fixture
def ro_catalogue(tmp_path: Path) -> Iterator[tuple[Path, bytes]]:
    """A closed catalogue with one curator decision, in a read-only folder."""
    folder = tmp_path / "ro"
    folder.mkdir()
    cat_path = folder / "c.sqlite"
    _with_decision(cat_path)
    before = cat_path.read_bytes()
    with read_only(folder):
        yield cat_path, before
    assert cat_path.read_bytes() == before
    assert sqlite_integrity(cat_path) == []


def _clear_or_ok(res: subprocess.CompletedProcess[str]) -> None:
    """Success, or one line that tells the curator the catalogue is read-only."""
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    if res.returncode != 0:
        line = _one_line_error(res)
        assert "read-only" in line or "read only" in line, f"unclear: {line}"


def test_read_only_catalogue_can_still_be_read(
    ro_catalogue: tuple[Path, bytes], tmp_path: Path
) -> None:
    """An archived catalogue on a read-only share: info and export work (or say why not)."""
    cat_path, _ = ro_catalogue
    info = _cli("info", str(cat_path))
    _clear_or_ok(info)
    assert info.returncode == 0 and "assets: 5" in info.stdout
    out = tmp_path / "out.csv"
    exp = _cli("export", str(cat_path), "--out", str(out))
    _clear_or_ok(exp)
    assert exp.returncode == 0 and len(out.read_text().splitlines()) == 6


def test_read_only_catalogue_refuses_writes_clearly(
    ro_catalogue: tuple[Path, bytes], tmp_path: Path
) -> None:
    cat_path, _ = ro_catalogue
    try:
        cat = Catalogue.open(cat_path, create=False)
    except CatalogueError as exc:
        assert "\n" not in str(exc)
    else:
        with cat, pytest.raises(CatalogueError) as err:
            cat.set_field(2, Field.ARTIST, "x", Provenance.CURATOR)
        assert "read" in str(err.value).lower() and "\n" not in str(err.value)
    _clear_or_ok(_cli("import", str(cat_path), "--images", str(_images(tmp_path / "i", 2))))


def test_check_on_a_read_only_catalogue_repairs_nothing(ro_catalogue: tuple[Path, bytes]) -> None:
    cat_path, _ = ro_catalogue
    report = check_location(str(cat_path), CheckOptions())
    assert all("\n" not in ln for ln in report.lines())
    assert not report.repairs
