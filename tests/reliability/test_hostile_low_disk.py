"""Issue 16's Low list, the disk: an overwritten SQLite page, a read-only folder or a catalogue
open in another window, a full disk under `suggest --out`, the feature cache and the migration
backup. Real files, real SQLite, real child processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from heritage_desk.storage import migrations
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
from tests.fixtures import broken
from tests.reliability.helpers import ROOT, catalogue_with_suggestions, child_env
from tests.reliability.test_disk import _fill, read_only, small_tmpfs
from tests.reliability.test_kill import _old_catalogue


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heritage_desk", *args],
        cwd=ROOT, env=child_env(**env), capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _one_line_error(res: subprocess.CompletedProcess[str]) -> str:
    assert res.returncode != 0, res.stdout[-2000:]
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr[-3000:]
    return lines[0]


def _overwrite_a_middle_page(path: Path) -> None:
    """Write garbage over one page half-way through the file (a bad sector, a stray write)."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")  # the page size, from the SQLite header
    middle = len(data) // page // 2
    data[middle * page : (middle + 1) * page] = bytes((i * 7 + 3) % 256 for i in range(page))
    path.write_bytes(bytes(data))


def test_an_overwritten_page_is_noticed_before_anything_is_written(tmp_path: Path) -> None:
    """A page overwritten half-way through the file: `info` printed counts and `import` wrote
    into the damaged file, both unaware, until someone ran `check`; the window saved decisions
    into it. Now each says it in one line naming the file and pointing to `check` (which
    names the backup); nothing written."""
    cat_path = tmp_path / "c.sqlite"
    catalogue_with_suggestions(str(cat_path), n=400)
    backup = migrations.backup_sqlite(cat_path, migrations.head_revision())
    assert not cat_path.with_name("c.sqlite-wal").exists()  # all of it in the file
    _overwrite_a_middle_page(cat_path)
    before = cat_path.read_bytes()
    for name in ("0.jpg", "1.jpg"):
        broken.good_jpeg(tmp_path / "img" / name)
    window = ("gui", "--screenshot", str(tmp_path / "x.png"))  # the window saves decisions
    for args in (("info",), ("import", "--images", str(tmp_path / "img")), window):
        res = _cli(args[0], str(cat_path), *args[1:], QT_QPA_PLATFORM="offscreen",
                   HERITAGE_DESK_DATA_DIR=str(tmp_path / "data"))  # fmt: skip
        if args is window:  # the window logs to stderr too: its one error line
            assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr[-3000:]
            errors = [ln for ln in res.stderr.splitlines() if ln.startswith("heritage-desk:")]
            assert len(errors) == 1, res.stderr[-3000:]
            line = errors[0]
        else:
            line = _one_line_error(res)
        assert str(cat_path) in line and "damaged" in line, line
        assert f"heritage-desk check {cat_path}" in line and "backup" in line, line
        assert cat_path.read_bytes() == before, f"{args[0]} wrote into the damaged file"
    res = _cli("check", str(cat_path))
    assert res.returncode == 1 and f"latest sound backup to restore from: {backup}" in res.stdout


def test_a_damaged_old_catalogue_is_neither_backed_up_nor_migrated(tmp_path: Path) -> None:
    """The same damage in a catalogue that needs a migration: opening it copied the damage
    into a file named like a backup, then upgraded the damaged file in place."""
    old = tmp_path / "old.sqlite"
    _old_catalogue(old, n_assets=400)
    _overwrite_a_middle_page(old)
    before = old.read_bytes()
    line = _one_line_error(_cli("info", str(old)))
    assert "damaged" in line and f"heritage-desk check {old}" in line, line
    assert old.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.sqlite"]  # no backup, no temp


def test_a_read_only_folder_is_not_reported_as_open_in_another_window(tmp_path: Path) -> None:
    """The window on a catalogue in a read-only folder (an archive share) said "already open in
    another heritage_desk window": its lock file cannot be made there. Now one line says the
    folder is read-only and how to read it where it is; the file untouched."""
    folder = tmp_path / "ro"
    folder.mkdir()
    cat_path = folder / "c.sqlite"
    catalogue_with_suggestions(str(cat_path), n=5)
    before = cat_path.read_bytes()
    shot = tmp_path / "x.png"
    with read_only(folder):
        for target in (cat_path, folder / "new.sqlite"):  # open, and File > New there
            res = _cli("--data-dir", str(tmp_path / "data"), "gui", str(target),
                       "--screenshot", str(shot), QT_QPA_PLATFORM="offscreen")  # fmt: skip
            errors = [ln for ln in res.stderr.splitlines() if ln.startswith("heritage-desk:")]
            assert res.returncode == 1 and len(errors) == 1, res.stderr[-3000:]
            assert "another" not in errors[0] and "read-only" in errors[0], errors[0]
            assert str(folder) in errors[0], errors[0]
        assert cat_path.read_bytes() == before and not shot.exists()
        assert sorted(p.name for p in folder.iterdir()) == ["c.sqlite"]


def test_a_catalogue_open_in_this_window_or_another_is_named_as_such(tmp_path: Path) -> None:
    """File > Open of the catalogue this very window has open named our own process as
    "another heritage_desk window"."""
    from heritage_desk.app.bootstrap import InstanceLockedError, acquire_lock

    cat_path = tmp_path / "c.sqlite"
    catalogue_with_suggestions(str(cat_path), n=2)
    lock = acquire_lock(cat_path)
    assert lock is not None
    try:
        with pytest.raises(InstanceLockedError) as err:
            acquire_lock(cat_path)
        assert "already open in this window" in str(err.value), err.value
        res = _cli("--data-dir", str(tmp_path / "data"), "gui", str(cat_path), "--screenshot",
                   str(tmp_path / "x.png"), QT_QPA_PLATFORM="offscreen")  # fmt: skip
        errors = [ln for ln in res.stderr.splitlines() if ln.startswith("heritage-desk:")]
        assert res.returncode == 1 and len(errors) == 1, res.stderr[-3000:]
        assert f"already open in another heritage_desk window (process {os.getpid()}" in errors[0]
    finally:
        lock.unlock()


# -- a full disk: a real one, a small tmpfs filled up (ENOSPC, as a full USB disk or share
# gives). Mounting needs root, which this machine and CI have; elsewhere these skip with the
# reason (test_disk.py's RLIMIT_FSIZE tests cover the write paths for any user).


def _suggest_share(tmp_path: Path) -> tuple[Path, Path]:
    """A catalogue of 3 small paintings with nothing known, and its images folder."""
    images = tmp_path / "img"
    for i in range(3):
        broken.good_jpeg(images / f"{i}.jpg", (160, 120))
    cat_path = tmp_path / "c.sqlite"
    with Catalogue.open(cat_path) as cat:
        assert import_collection(cat, images).added == 3
    return cat_path, images


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_a_full_disk_under_the_feature_cache_is_one_line(tmp_path: Path) -> None:
    """`suggest` with its data folder (the feature cache) on a full disk: was an OSError
    traceback from the cache write."""
    cat_path, images = _suggest_share(tmp_path)
    before = cat_path.read_bytes()
    with small_tmpfs(tmp_path / "data", 1024) as data:
        (data / "cache" / "embeddings").mkdir(parents=True)
        _fill(data, 0)
        res = _cli("--data-dir", str(data), "suggest", str(cat_path), "--images", str(images),
                   "--threads", "1", "-q")  # fmt: skip
        line = _one_line_error(res)
        assert "feature cache" in line and str(data / "cache" / "embeddings") in line, line
        assert ".npy" in line and "No space left" in line, line
        assert "--data-dir" in line and "free" in line, line  # what to do
        assert _leftovers(data) == [] and list(data.rglob("*.npy")) == []
    assert cat_path.read_bytes() == before  # no suggestion stored from a run that failed


def test_a_full_disk_under_suggest_out_keeps_the_old_file(tmp_path: Path) -> None:
    """`suggest --out` onto a full disk: the old CSV kept whole, no temp file, and one line
    naming the file and what to do."""
    from heritage_desk.cli.model_verbs import CSV_COLUMNS

    cat_path, images = _suggest_share(tmp_path)
    with small_tmpfs(tmp_path / "out", 256) as fs:
        out = fs / "suggestions.csv"
        old = (",".join(CSV_COLUMNS) + "\r\n").encode()  # an earlier run's (our header)
        out.write_bytes(old)
        _fill(fs, 0)
        res = _cli("--data-dir", str(tmp_path / "data"), "suggest", str(cat_path), "--images",
                   str(images), "--threads", "1", "-q", "--out", str(out))  # fmt: skip
        line = _one_line_error(res)
        assert str(out) in line and "No space left" in line, line
        assert "free" in line and "--out" in line, line
        assert out.read_bytes() == old
        assert sorted(p.name for p in fs.iterdir()) == ["filler.bin", "suggestions.csv"]


def test_a_full_disk_under_the_migration_backup_changes_nothing(tmp_path: Path) -> None:
    """Opening a catalogue that needs a migration, on a disk without room for its backup: was
    a sqlite3.OperationalError traceback ("database or disk is full")."""
    with small_tmpfs(tmp_path / "share", 2048) as fs:
        old = fs / "old.sqlite"
        _old_catalogue(old, n_assets=1000)
        before = old.read_bytes()
        _fill(fs, 160 * 1024)  # room for the -shm and -wal files (32 KB +), not for a copy
        line = _one_line_error(_cli("info", str(old)))
        assert "back up" in line and str(old) in line, line
        assert "full" in line.lower() or "space" in line.lower(), line
        assert "nothing was changed" in line and "free" in line, line
        assert old.read_bytes() == before
        assert not [p for p in fs.iterdir() if "backup" in p.name or p.name.endswith(".tmp")]
        # No room at all (not even for the -shm file a WAL reader makes): SQLite's bare "disk
        # is full" or "disk I/O error" gets what to do.
        _fill(fs, 0)
        line = _one_line_error(_cli("info", str(old)))
        assert "full" in line and "free space" in line and str(old) in line, line
        assert old.read_bytes() == before
