"""SQLite under pressure: another writer holding the lock, a damaged file, a killed writer."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from heritage_desk.core.model import Field, Provenance
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueError, CatalogueLockedError

HOLD_LOCK = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE assets SET width = 1")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("COMMIT")
    """
)


def _filled(path: Path, n: int = 3) -> Catalogue:
    cat = Catalogue.open(path, busy_timeout_ms=300)
    with cat.transaction():
        for i in range(n):
            a = cat.add_asset(f"img/{i}.jpg", f"{i:064x}")
            cat.set_field(a, Field.TITLE, f"title {i}", Provenance.IMPORTED)
    return cat


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_second_writer_is_refused_clearly_and_readers_keep_reading(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with _filled(path) as cat:
        proc = _hold_lock(path, 5)
        try:
            assert cat.get_asset(1).title == "title 0"  # WAL: reading while another writes
            t0 = time.monotonic()
            with pytest.raises(
                CatalogueLockedError, match=r"c\.sqlite is locked by another program"
            ):
                cat.set_field(1, Field.TITLE, "mine", Provenance.CURATOR)
            assert time.monotonic() - t0 < 3
        finally:
            proc.kill()
            proc.wait()
        cat.set_field(1, Field.TITLE, "mine", Provenance.CURATOR)  # the lock went with the process
        assert cat.get_asset(1).title == "mine"
        assert cat.integrity_check() == []


def test_a_writer_waits_for_a_short_lock(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _filled(path).close()
    with Catalogue.open(path, busy_timeout_ms=10_000) as cat:
        proc = _hold_lock(path, 0.5)
        cat.set_field(1, Field.TITLE, "after the wait", Provenance.CURATOR)
        proc.wait()
        assert cat.get_asset(1).title == "after the wait"
        assert cat.get_asset(1).width == 1  # the other writer's commit is kept too


def test_killed_writer_loses_only_its_open_transaction(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _filled(path).close()
    proc = _hold_lock(path, 60)
    proc.kill()  # SIGKILL mid-transaction
    proc.wait()
    with Catalogue.open(path) as cat:
        assert cat.integrity_check() == []
        assert cat.count_assets() == 3
        assert cat.get_asset(1).width is None  # the uncommitted update never happened


def test_integrity_check_reports_damage(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _filled(path, n=400).close()
    data = bytearray(path.read_bytes())
    page = 4096
    # Scribble over the middle of a few pages past the schema: b-tree cells, not the header.
    for p in range(3, min(8, len(data) // page)):
        data[p * page + 200 : p * page + 1200] = b"\xff" * 1000
    path.write_bytes(bytes(data))
    try:
        cat = Catalogue.open(path)
    except CatalogueError as exc:  # damage the open itself trips over is fine too, if clear
        assert str(path) in str(exc)
        return
    with cat:
        try:
            problems = cat.integrity_check()
        except CatalogueError as exc:
            problems = [str(exc)]
    assert problems, "a damaged file must not pass the integrity check"
    assert all("\n" not in line for line in problems)
    assert len(problems) <= 250
