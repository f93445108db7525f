"""`heritage-desk check`: what it finds, what it repairs, what it leaves, and its exit status."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from heritage_desk.core.model import Action, Field, Provenance, Suggestion
from heritage_desk.services.check import CheckOptions, check_catalogue, check_location
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.images import inspect_image
from tests.fixtures import broken
from tests.reliability.helpers import ROOT, child_env


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heritage_desk", *args],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _collection(tmp_path: Path, n: int = 4) -> tuple[Path, Path]:
    """A catalogue of n imported images under tmp/images, with one curator decision."""
    images = tmp_path / "images"
    cat_path = tmp_path / "c.sqlite"
    with Catalogue.open(cat_path) as cat:
        for i in range(n):
            p = broken.good_png(images / f"{i}.png")
            a = cat.add_asset(f"{i}.png", inspect_image(p).checksum)
            cat.set_field(a, Field.TITLE, f"t{i}", Provenance.IMPORTED)
        cat.set_field(1, Field.ARTIST, "Someone", Provenance.CURATOR, reviewer="c",
                      action=Action.EDIT)  # fmt: skip
    return cat_path, images


def test_a_sound_catalogue_passes(tmp_path: Path) -> None:
    cat_path, images = _collection(tmp_path)
    res = _cli("check", str(cat_path), "--images", str(images))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "result: OK" in res.stdout and "images checked: 4" in res.stdout


def test_missing_and_changed_images_are_problems(tmp_path: Path) -> None:
    cat_path, images = _collection(tmp_path)
    (images / "0.png").unlink()
    broken.good_png(images / "1.png")  # same name, other content
    res = _cli("check", str(cat_path), "--images", str(images))
    assert res.returncode == 1
    assert "problem: missing image: 0.png: asset #1" in res.stdout
    assert "problem: changed image: 1.png: asset #2" in res.stdout
    quick = _cli("check", str(cat_path), "--images", str(images), "--quick")
    assert "changed image" not in quick.stdout and "missing image" in quick.stdout


def test_a_moved_image_is_relinked_by_content(tmp_path: Path) -> None:
    cat_path, images = _collection(tmp_path)
    (images / "archive").mkdir()
    (images / "2.png").rename(images / "archive" / "renamed.png")
    first = _cli("check", str(cat_path), "--images", str(images))
    assert first.returncode == 0, first.stdout
    assert "repaired: moved image: 2.png: asset #3" in first.stdout
    with Catalogue.open(cat_path) as cat:
        assert cat.get_asset(3).image_path == "archive/renamed.png"
        assert cat.get_asset(3).title == "t2"
    assert "repaired: 0" in _cli("check", str(cat_path), "--images", str(images)).stdout


def test_orphan_rows_derived_are_deleted_decisions_are_kept(tmp_path: Path) -> None:
    cat_path, images = _collection(tmp_path)
    with Catalogue.open(cat_path) as cat:
        cat.replace_suggestions(2, [Suggestion(Field.ARTIST, "X", 0.5, 1, "m")])
    conn = sqlite3.connect(cat_path)
    conn.execute("PRAGMA foreign_keys=OFF")  # what another tool editing the file might do
    conn.execute("DELETE FROM assets WHERE id IN (1, 2)")
    conn.commit()
    conn.close()
    report = check_location(str(cat_path), CheckOptions(images_roots=[images]))
    assert {f.where for f in report.repairs if f.kind == "orphan"} == {
        "field_values",
        "suggestions",
    }
    kept = [f for f in report.problems if f.kind == "orphan"]
    assert len(kept) == 1 and kept[0].where == "decisions" and "audit trail" in kept[0].message
    assert not report.ok
    conn = sqlite3.connect(cat_path)
    assert conn.execute(
        "SELECT count(*) FROM field_values WHERE asset_id IN (1, 2)"
    ).fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM decisions").fetchone() == (1,)
    conn.close()
    res = _cli("check", str(cat_path), "--images", str(images))
    assert res.returncode == 1 and "problem: orphan: decisions" in res.stdout


def test_old_temp_files_are_removed_young_ones_left(tmp_path: Path) -> None:
    cat_path, images = _collection(tmp_path)
    models = cat_path.with_name(cat_path.name + ".models")
    models.mkdir()
    old = models / ".m002.safetensors.abcd1234.tmp"
    young = models / "m003.manifest.json.tmp"
    export_dir = tmp_path / "exports"
    export_dir.mkdir()
    old_export = export_dir / ".out.csv.x1y2z3w4.tmp"
    unrelated = export_dir / "notes.tmp"  # not ours: never touched
    for p in (old, young, old_export, unrelated):
        p.write_text("partial")
    hour_ago = time.time() - 3600
    for p in (old, old_export, unrelated):
        os.utime(p, (hour_ago, hour_ago))
    report = check_location(
        str(cat_path), CheckOptions(images_roots=[images], export_dirs=[export_dir])
    )
    assert report.ok
    assert {Path(f.where) for f in report.repairs} == {old, old_export}
    assert not old.exists() and not old_export.exists()
    assert young.exists() and unrelated.exists()
    assert any(f.where == str(young) and f.severity == "note" for f in report.findings)
    dry = check_location(
        str(cat_path), CheckOptions(images_roots=[images], repair=False, temp_min_age_s=0)
    )
    assert young.exists() and not dry.ok


def test_a_damaged_file_is_a_problem_with_a_backup_named(tmp_path: Path) -> None:
    cat_path, images = _collection(tmp_path, n=300)
    backup = tmp_path / "c.backup-20260101T000000000000Z-rev0001.sqlite"
    backup.write_bytes(cat_path.read_bytes())
    cut_off = tmp_path / "c.backup-20270101T000000000000Z-rev0001.sqlite"  # newer, but empty
    cut_off.write_bytes(b"")
    data = bytearray(cat_path.read_bytes())
    for p in range(3, min(10, len(data) // 4096)):
        data[p * 4096 + 100 : p * 4096 + 2000] = b"\xa5" * 1900
    cat_path.write_bytes(bytes(data))
    res = _cli("check", str(cat_path), "--images", str(images))
    assert res.returncode == 1, res.stdout
    assert "Traceback" not in res.stderr
    assert "problem: integrity" in res.stdout
    assert f"latest sound backup to restore from: {backup}" in res.stdout
    assert f"note: backup: {cut_off}: this backup is damaged or empty" in res.stdout


def test_no_catalogue_and_not_a_catalogue(tmp_path: Path) -> None:
    res = _cli("check", str(tmp_path / "nothing.sqlite"))
    assert res.returncode == 1 and "no such catalogue file" in res.stdout
    assert not (tmp_path / "nothing.sqlite").exists()
    text = tmp_path / "notes.sqlite"
    text.write_text("hello\n" * 100)
    res = _cli("check", str(text))
    assert (
        res.returncode == 1 and "problem: integrity" in res.stdout and "Traceback" not in res.stderr
    )


def test_active_model_without_its_file_is_a_problem(tmp_path: Path) -> None:
    cat_path, images = _collection(tmp_path)
    with Catalogue.open(cat_path) as cat:
        cat.add_model_version("m001", str(tmp_path / "gone.safetensors"), active=True)
        report = check_catalogue(cat, CheckOptions(images_roots=[images]))
    assert [f.kind for f in report.problems] == ["model file"]


@pytest.mark.postgres
def test_check_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    with Catalogue.open(postgres_url) as cat:
        p = broken.good_png(tmp_path / "img" / "a.png")
        cat.add_asset("a.png", inspect_image(p).checksum)
    res = _cli("check", postgres_url, "--images", str(tmp_path / "img"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "result: OK" in res.stdout
    assert "heritage:heritage@" not in res.stdout  # no password in the report


def test_global_data_dir_option_works_before_a_verb(tmp_path: Path) -> None:
    """`heritage-desk --data-dir D VERB ...` (the documented global option) reaches VERB."""
    cat_path, images = _collection(tmp_path)
    res = _cli(
        "--data-dir", str(tmp_path / "data"), "check", str(cat_path), "--images", str(images)
    )
    assert res.returncode == 0, res.stderr
