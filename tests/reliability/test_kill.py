"""kill -9 a real child process mid-import, mid-export, mid-accept and mid-migration.

Each child is stopped right after its Nth SQL statement (tests/reliability/child.py), at points
spread over the whole operation, then SIGKILLed. Afterwards: the file passes PRAGMA
integrity_check and foreign_key_check, every decision the child reported as returned is there,
no decision is half-applied, and an export is either the old complete file or nothing.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from heritage_desk.core.model import Action, Field, Provenance
from heritage_desk.services.check import CheckOptions, check_location
from heritage_desk.storage import db, migrations
from heritage_desk.storage.catalogue import Catalogue
from tests.fixtures import broken
from tests.reliability.helpers import (
    catalogue_with_suggestions,
    kill9,
    kill_at,
    read_until,
    run_child,
    spread,
    sqlite_integrity,
    start_child,
    statements,
)

#: Kill points per operation: 3 in the default suite, more in `make reliability`.
KILL_POINTS = int(os.environ.get("HERITAGE_KILL_POINTS", "3"))
#: Assets the killed-again-and-again curator works through.
ACCEPT_ASSETS = 4 * KILL_POINTS


def _check_decisions_applied(cat: Catalogue, reviewer: str) -> int:
    """Every decision of `reviewer` has its value in place, every decided value its decision."""
    decided = {}
    for asset_id in cat.asset_ids():
        for d in cat.history(asset_id):
            if d.reviewer == reviewer:
                decided[(asset_id, d.field)] = d
    for (asset_id, field), d in decided.items():
        fv = cat.get_field(asset_id, field)
        assert fv is not None, f"decision {d.id} recorded but asset #{asset_id} {field} empty"
        assert fv.value == d.new_value
        want = Provenance.SUGGESTION if d.action is Action.ACCEPT else Provenance.CURATOR
        assert fv.provenance is want and fv.reviewer == reviewer
    for asset_id in cat.asset_ids():
        for field in (Field.ARTIST, Field.DATE):
            fv = cat.get_field(asset_id, field)
            if fv is not None:
                assert (asset_id, field) in decided, f"#{asset_id} {field} set without decision"
    return len(decided)


@pytest.mark.parametrize("seed", [int(os.environ.get("HERITAGE_KILL_SEED", "1"))])
def test_kill_mid_accept_loses_no_confirmed_decision(catalogue_url: str, seed: int) -> None:
    """A curator's session killed again and again; each restart carries on where it stopped."""
    catalogue_with_suggestions(catalogue_url, n=ACCEPT_ASSETS)
    rng = random.Random(seed)
    confirmed: dict[int, tuple[int, str, str]] = {}
    kills = 0
    for _round in range(60):
        proc = start_child(
            "accept", catalogue_url, "ana", HERITAGE_PAUSE_AT=str(rng.randint(1, 160))
        )
        lines = read_until(proc, "PAUSED")
        finished = any(ln.startswith("STATEMENTS") for ln in lines) or proc.poll() == 0
        kill9(proc)
        kills += not finished
        for ln in lines:
            if ln.startswith("CONFIRMED"):
                _, did, asset_id, field, value = ln.split(" ", 4)
                confirmed[int(did)] = (int(asset_id), field, value)
        with Catalogue.open(catalogue_url, create=False) as cat:
            assert cat.integrity_check() == []
            for did, (asset_id, field, value) in confirmed.items():
                hist = {d.id: d for d in cat.history(asset_id)}
                assert did in hist, f"confirmed decision {did} lost after kill"
                assert hist[did].new_value == value
                fv = cat.get_field(asset_id, Field(field))
                assert fv is not None and fv.value == value
            n = _check_decisions_applied(cat, "ana")
        if db.is_sqlite(db.resolve_url(catalogue_url)):
            assert sqlite_integrity(Path(catalogue_url)) == []
        if finished:
            break
    assert finished, "the accept loop never completed"
    assert kills >= 2
    assert n == 2 * ACCEPT_ASSETS  # every artist and date decided exactly once


def test_kill_mid_batch_accept_is_all_or_nothing(tmp_path: Path) -> None:
    template = tmp_path / "template.sqlite"
    catalogue_with_suggestions(str(template), n=40)
    dry = tmp_path / "dry.sqlite"
    shutil.copy(template, dry)
    total = statements(run_child("batch", str(dry), "ben"))
    for n in spread(total, KILL_POINTS):
        path = tmp_path / f"k{n}.sqlite"
        shutil.copy(template, path)
        kill_at(n, "batch", str(path), "ben")
        assert sqlite_integrity(path) == []
        with Catalogue.open(path, create=False) as cat:
            decided = _check_decisions_applied(cat, "ben")
            assert decided in (0, 80), f"kill at statement {n}/{total}: {decided} of 80 applied"


def _collection(root: Path, n: int) -> tuple[Path, Path]:
    images = root / "images"
    rows = [["file", "artist", "date", "title"]]
    for i in range(n):
        broken.good_jpeg(images / f"sub{i % 3}" / f"p{i:03d}.jpg")
        rows.append([f"sub{i % 3}/p{i:03d}.jpg", f"Painter {i % 5}", f"c. {1700 + i}", f"T{i}"])
    broken.corrupt(images / "bad.jpg")
    rows.append(["missing.jpg", "Nobody", "1900", "gone"])
    return images, broken.write_csv(root / "meta.csv", rows)


def test_kill_mid_import_then_reimport_completes(tmp_path: Path) -> None:
    images, meta = _collection(tmp_path, 40)
    template = tmp_path / "template.sqlite"
    with Catalogue.open(template) as cat:
        from heritage_desk.storage.importer import import_collection

        # An earlier import of part of the folder, and a curator's decision on it.
        part = tmp_path / "part"
        shutil.copytree(images / "sub0", part / "sub0")
        import_collection(cat, part, meta)
        first = cat.asset_ids()[0]
        cat.set_field(first, Field.TITLE, "Curator's title", Provenance.CURATOR,
                      reviewer="cur", action=Action.EDIT)  # fmt: skip
    env = {"HERITAGE_IMPORT_BATCH": "7"}
    dry = tmp_path / "dry.sqlite"
    shutil.copy(template, dry)
    done = run_child("import", str(dry), str(images), str(meta), **env)
    total = statements(done)
    with Catalogue.open(dry, create=False) as cat:
        want = {a.checksum: a for a in cat.get_assets(cat.asset_ids())}
    assert len(want) == 40
    for n in spread(total, KILL_POINTS):
        path = tmp_path / f"k{n}.sqlite"
        shutil.copy(template, path)
        kill_at(n, "import", str(path), str(images), str(meta), **env)
        assert sqlite_integrity(path) == []
        with Catalogue.open(path, create=False) as cat:
            assert cat.integrity_check() == []
            assert cat.get_asset(first).title == "Curator's title"
            assert [d.new_value for d in cat.history(first)] == ["Curator's title"]
            for a in cat.get_assets(cat.asset_ids()):  # a batch commits assets with their fields
                assert a.fields.keys() == want[a.checksum].fields.keys()
        lines = run_child("import", str(path), str(images), str(meta), **env)
        problems = int(next(ln for ln in lines if ln.startswith("IMPORTED")).split()[3])
        assert problems == 2  # bad.jpg and missing.jpg, as in a clean run
        with Catalogue.open(path, create=False) as cat:
            got = {a.checksum: a for a in cat.get_assets(cat.asset_ids())}
            assert got.keys() == want.keys()
            for checksum, a in got.items():
                assert {f: v.value for f, v in a.fields.items()} == {
                    f: v.value for f, v in want[checksum].fields.items()
                }


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_kill_mid_export_leaves_old_file_or_none(tmp_path: Path) -> None:
    cat_path = tmp_path / "c.sqlite"
    catalogue_with_suggestions(str(cat_path), n=300)
    out = tmp_path / "exports" / "out.csv"
    out.parent.mkdir()
    env = {"HERITAGE_EXPORT_PAGE": "40"}
    total = statements(run_child("export", str(cat_path), str(out), **env))
    old = out.read_bytes()
    assert len(_read_csv(out)) == 301
    with Catalogue.open(cat_path) as cat:  # the next export would differ
        cat.set_field(1, Field.TITLE, "changed", Provenance.CURATOR)
    fresh = out.with_name("fresh.csv")
    for n in spread(total, KILL_POINTS):
        kill_at(n, "export", str(cat_path), str(out), **env)
        assert out.read_bytes() == old, f"kill at statement {n}/{total} touched the old export"
        kill_at(n, "export", str(cat_path), str(fresh), **env)
        assert not fresh.exists(), f"kill at statement {n}/{total} left a half export"
    leftovers = sorted(out.parent.glob(".*.tmp"))
    assert leftovers, "the kills should have left temp files for check to clean"
    report = check_location(str(cat_path), CheckOptions(export_dirs=[out.parent], temp_min_age_s=0))
    assert {Path(f.where) for f in report.repairs if f.kind == "temp file"} == set(leftovers)
    assert not list(out.parent.glob(".*.tmp"))
    run_child("export", str(cat_path), str(out), **env)
    rows = _read_csv(out)
    assert len(rows) == 301 and "changed" in rows[1]


def _old_catalogue(path: Path, n_assets: int = 200, per_asset: int = 5) -> int:
    """A catalogue at schema 0001 with assets, values and decisions; returns decisions count."""
    engine = db.create_engine(path)
    migrations.migrate(engine, target="0001")
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO assets (id, image_path, checksum, added_at)"
                " VALUES (:i, :p, :c, :t)"
            ),
            [{"i": i, "p": f"a/{i}.jpg", "c": f"{i:064x}", "t": now}
             for i in range(1, n_assets + 1)],
        )  # fmt: skip
        conn.execute(
            sa.text(
                "INSERT INTO decisions"
                " (asset_id, field, action, old_value, new_value, reviewer, at)"
                " VALUES (:a, 'artist', 'edit', NULL, :v, 'old', :t)"
            ),
            [{"a": a, "v": f"v{a}.{k}", "t": now}
             for a in range(1, n_assets + 1) for k in range(per_asset)],
        )  # fmt: skip
    engine.dispose()
    return n_assets * per_asset


def _decisions(path: Path) -> list[tuple[object, ...]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT id, asset_id, new_value, reviewer FROM decisions ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def test_kill_mid_migration_keeps_every_decision(tmp_path: Path) -> None:
    template = tmp_path / "old.sqlite"
    n = _old_catalogue(template)
    before = _decisions(template)
    assert len(before) == n
    dry = tmp_path / "dry.sqlite"
    shutil.copy(template, dry)
    total = statements(run_child("migrate", str(dry)))
    for k in spread(total, KILL_POINTS + 2):
        path = tmp_path / f"k{k}" / "c.sqlite"
        path.parent.mkdir()
        shutil.copy(template, path)
        kill_at(k, "migrate", str(path))
        assert sqlite_integrity(path) == []
        engine = db.create_engine(path)
        rev = migrations.current_revision(engine)
        engine.dispose()
        assert rev in ("0001", migrations.head_revision())
        assert _decisions(path) == before
        for backup in path.parent.glob("c.backup-*.sqlite"):
            assert sqlite_integrity(backup) == []
            assert _decisions(backup) == before, f"kill at {k}: backup {backup.name} incomplete"
        run_child("migrate", str(path))  # opening again finishes the job
        assert _decisions(path) == before
        assert sqlite_integrity(path) == []


def test_kill_mid_migration_backup_leaves_no_misleading_backup(tmp_path: Path) -> None:
    """A backup cut off half-way must not sit there looking like a good one."""
    path = tmp_path / "c.sqlite"
    _old_catalogue(path, n_assets=400, per_asset=10)
    before = _decisions(path)
    proc = start_child("migrate-backup-pause", str(path))
    lines = read_until(proc, "PAUSED")
    kill9(proc)
    assert lines and lines[-1].startswith("PAUSED backup"), lines
    assert _decisions(path) == before and sqlite_integrity(path) == []
    for backup in path.parent.glob("c.backup-*.sqlite"):
        problems = sqlite_integrity(backup)
        rows = _decisions(backup) if not problems and _has_decisions(backup) else []
        assert rows == before, (
            f"{backup.name} is named like a backup but holds {len(rows)} of {len(before)} "
            "decisions: write it under a temp name and rename it when complete"
        )
    run_child("migrate", str(path))
    assert _decisions(path) == before


def _has_decisions(path: Path) -> bool:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'decisions'").fetchone())
    finally:
        conn.close()


@pytest.mark.slow
def test_kill_export_at_random_moments(tmp_path: Path) -> None:
    """SIGKILL after a random delay: covers the write, fsync and rename, not only SQL points."""
    import time

    cat_path = tmp_path / "c.sqlite"
    catalogue_with_suggestions(str(cat_path), n=2000)
    out = tmp_path / "out.csv"
    t0 = time.monotonic()
    run_child("export", str(cat_path), str(out))
    took = time.monotonic() - t0
    old = out.read_bytes()
    with Catalogue.open(cat_path) as cat:
        cat.set_field(1, Field.TITLE, "changed", Provenance.CURATOR)
    rng = random.Random(3)
    outcomes = {"old": 0, "new": 0}
    for _ in range(20):
        proc = start_child("export", str(cat_path), str(out))
        time.sleep(rng.uniform(0.5 * took, 1.5 * took))  # some land after the rename
        kill9(proc)
        data = out.read_bytes()
        if data == old:
            outcomes["old"] += 1
        else:
            rows = _read_csv(out)
            assert len(rows) == 2001 and "changed" in rows[1], "a half-written export"
            outcomes["new"] += 1
            out.write_bytes(old)
    print(outcomes)
