"""Hostile imports, second round (issue 16): file names that are not UTF-8, cells that broke
the whole import, PostgreSQL length limits. Each is one problem naming its file, row and
column; the rest of the import goes through.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from heritage_desk.core.model import Field, Provenance
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
from tests.fixtures import broken
from tests.reliability.helpers import ROOT, child_env


def _assets(cat: Catalogue) -> dict[str, object]:
    return {a.image_path: a for a in cat.get_assets(cat.asset_ids())}


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses non-UTF-8 file names")
def test_non_utf8_file_name_is_one_problem_not_a_lost_batch(tmp_path: Path) -> None:
    """`caf\\xe9.jpg` (Latin-1 bytes, not UTF-8) beside 30 good files: only it is reported, by a
    printable name; was UnicodeEncodeError and the whole batch of 200 rolled back."""
    images = tmp_path / "img"
    for i in range(30):
        broken.good_jpeg(images / f"ok{i:02}.jpg")
    bad = os.path.join(os.fsencode(images), b"caf\xe9.jpg")
    with open(bad, "wb") as f:
        f.write((images / "ok00.jpg").read_bytes()[:-2] + b"\x00\xff\xd9")  # other content
    sub = os.path.join(os.fsencode(images), b"d\xe9p\xf4t")
    os.mkdir(sub)
    broken.good_jpeg(Path(os.fsdecode(sub)) / "inner.jpg")
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, images)
        paths = set(_assets(cat))
    assert report.added == 30, report.lines()
    assert paths == {f"ok{i:02}.jpg" for i in range(30)}
    where = [w for w, _ in report.problems]
    assert len(where) == 2, report.lines()
    for w in where:
        w.encode("utf-8")  # printable: no lone surrogates
    assert any("caf" in w and "\\xe9" in w for w in where), where
    assert any("inner.jpg" in w for w in where), where
    assert all("UTF-8" in r for _, r in report.problems), report.problems
    # The CLI prints the same report and exits 0.
    res = subprocess.run(
        [sys.executable, "-m", "heritage_desk", "import", str(tmp_path / "d.sqlite"),
         "--images", str(images)],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr[-2000:]
    assert "added: 30" in res.stdout and "caf\\xe9.jpg" in res.stdout, res.stdout


def _cell_attack(tmp_path: Path, rows: list[list[str]], location: str) -> tuple[object, dict]:
    images = tmp_path / "img"
    for r in rows[1:]:
        broken.good_jpeg(images / r[0])
    meta = broken.write_csv(tmp_path / "m.csv", rows)
    with Catalogue.open(location) as cat:
        report = import_collection(cat, images, meta)
        assets = _assets(cat)
    return report, assets


def test_one_bad_cell_is_a_problem_of_its_row(tmp_path: Path) -> None:
    """year_from '²' (str.isdigit says yes), a 20-digit year (SQLite INTEGER overflow), a
    decided_at of year 1 at +05:00 (OverflowError in UTC): each names its row and column."""
    rows = [
        ["file", "title", "date", "year_from", "year_to", "date_source", "date_decided_at"],
        ["a.jpg", "A", "1850", "\u00b2", "", "", ""],
        ["b.jpg", "B", "1850", "12345678901234567890", "12345678901234567890", "", ""],
        ["c.jpg", "C", "1850", "1850", "1850", "imported", "0001-01-01T00:00:00+05:00"],
        ["d.jpg", "D", "c. 1710", "", "", "", ""],
        ["e.jpg", "E", "1850", "\u0661\u0668\u0665\u0660", "", "", ""],  # Arabic-Indic digits
    ]
    report, assets = _cell_attack(tmp_path, rows, str(tmp_path / "c.sqlite"))
    assert set(assets) == {"a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"}, report.lines()  # type: ignore[attr-defined]
    probs = dict(report.problems)  # type: ignore[attr-defined]
    text = "\n".join(f"{w}: {r}" for w, r in probs.items())
    for row, column in ((2, "year_from"), (3, "year_from"), (4, "date_decided_at"),
                        (6, "year_from")):  # fmt: skip
        assert any(f"row {row}" in w and repr(column) in w for w in probs), text
    d = assets["d.jpg"].fields[Field.DATE]  # type: ignore[attr-defined]
    assert (d.year_from, d.year_to) == (1700, 1720) or d.year_from is not None
    # Rows with a bad year cell still get their title and the years parsed from the date text.
    a = assets["a.jpg"]
    assert a.title == "A" and a.fields[Field.DATE].year_from == 1850  # type: ignore[attr-defined]


def _long_values(tmp_path: Path, location: str) -> None:
    rows = [
        ["file", "title", "artist", "inventory_number", "artist_source", "artist_reviewer"],
        ["a.jpg", "A", "Z" * 401, "inv-1", "", ""],
        ["b.jpg", "B", "Ok Artist", "I" * 201, "", ""],
        ["c.jpg", "C", "Fine Name", "inv-3", "", ""],
        ["d.jpg", "D", "Other Name", "I" * 200, "", ""],  # at the limit: kept
    ]
    report, assets = _cell_attack(tmp_path, rows, location)
    assert set(assets) == {"a.jpg", "b.jpg", "c.jpg", "d.jpg"}, report.lines()  # type: ignore[attr-defined]
    probs = [w for w, _ in report.problems]  # type: ignore[attr-defined]
    assert not any("row 5" in w for w in probs), probs
    for row, column in ((2, "artist"), (3, "inventory_number")):
        assert any(f"row {row}" in w and repr(column) in w for w in probs), (row, probs)
    assert assets["c.jpg"].value(Field.ARTIST) == "Fine Name"  # type: ignore[attr-defined]
    assert assets["a.jpg"].value(Field.ARTIST) is None  # type: ignore[attr-defined]
    assert assets["b.jpg"].inventory_number is None  # type: ignore[attr-defined]
    assert assets["b.jpg"].value(Field.ARTIST) == "Ok Artist"  # type: ignore[attr-defined]


def test_length_limits_are_per_row_problems_sqlite(tmp_path: Path) -> None:
    """SQLite accepts any length: the same limits as PostgreSQL, the same report."""
    _long_values(tmp_path, str(tmp_path / "c.sqlite"))


@pytest.mark.postgres
def test_length_limits_are_per_row_problems_postgres(tmp_path: Path, postgres_url: str) -> None:
    """Was `value too long for type character varying(400)`: the whole import aborted."""
    _long_values(tmp_path, postgres_url)


def test_ambiguous_csv_matches_are_problems_never_applied(tmp_path: Path) -> None:
    """Id 7 matched 7.jpg, box1_7.jpg, box2_7.jpg and scan-7.jpg; a row naming dup.jpg matched
    x/dup.jpg and y/dup.jpg: each was given the row. Now: a problem, applied to none."""
    images = tmp_path / "img"
    for name in ("7.jpg", "box1_7.jpg", "box2_7.jpg", "scan-7.jpg", "x/dup.jpg", "y/dup.jpg",
                 "8.jpg", "exact/one.jpg", "other/exact/one.jpg"):  # fmt: skip
        broken.good_jpeg(images / name)
    by_id = broken.write_csv(
        tmp_path / "ids.csv", [["id", "title"], ["7", "Seven"], ["8", "Eight"]]
    )
    with Catalogue.open(tmp_path / "a.sqlite") as cat:
        report = import_collection(cat, images, by_id)
        titles = {p: a.title for p, a in _assets(cat).items()}  # type: ignore[attr-defined]
    assert titles["8.jpg"] == "Eight"
    for name in ("7.jpg", "box1_7.jpg", "box2_7.jpg", "scan-7.jpg"):
        assert titles[name] is None, (name, titles[name])
    text = "\n".join(f"{w}: {r}" for w, r in report.problems)
    assert "ids.csv row 2" in text and "4 images" in text, text
    by_file = broken.write_csv(
        tmp_path / "files.csv",
        [["file", "title"], ["dup.jpg", "Which?"], ["exact/one.jpg", "Exact"]],
    )
    with Catalogue.open(tmp_path / "b.sqlite") as cat:
        report = import_collection(cat, images, by_file)
        titles = {p: a.title for p, a in _assets(cat).items()}  # type: ignore[attr-defined]
    assert titles["x/dup.jpg"] is None and titles["y/dup.jpg"] is None, titles
    assert titles["exact/one.jpg"] == "Exact"  # the path named exactly wins over a suffix
    assert titles["other/exact/one.jpg"] is None
    text = "\n".join(f"{w}: {r}" for w, r in report.problems)
    assert "files.csv row 2" in text and "2 images" in text, text


def test_a_csv_cannot_forge_a_curator_confirmation(tmp_path: Path) -> None:
    """`artist_source=curator` made a confirmed curator value with no decision behind it (and a
    retrain then trusted it as a label). Now read as imported, with one note."""
    rows = [
        ["file", "artist", "artist_source", "artist_reviewer", "date", "date_source",
         "date_model_version", "date_probability"],
        ["a.jpg", "Claude Monet", "curator", "eve", "1874", "suggestion", "m999", "0.99"],
        ["b.jpg", "Edgar Degas", "imported", "", "1880", "", "", ""],
    ]  # fmt: skip
    report, assets = _cell_attack(tmp_path, rows, str(tmp_path / "c.sqlite"))
    a = assets["a.jpg"]
    for f in (Field.ARTIST, Field.DATE):
        fv = a.fields[f]  # type: ignore[attr-defined]
        assert fv.provenance == Provenance.IMPORTED, (f, fv)
        assert fv.reviewer is None and fv.model_version is None, fv
    assert a.value(Field.ARTIST) == "Claude Monet"  # type: ignore[attr-defined]
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        assert cat.history(a.id) == []  # type: ignore[attr-defined]
    notes = "\n".join(report.lines())  # type: ignore[attr-defined]
    assert "read as imported" in notes and "row 2" in notes, notes


def _titled(tmp_path: Path, images: Path) -> tuple[Path, Path]:
    """Two images with titles from a CSV, imported; returns the catalogue and the CSV."""
    broken.good_jpeg(images / "a.jpg", (64, 48))
    broken.good_jpeg(images / "b.jpg", (40, 30))
    meta = broken.write_csv(tmp_path / "m.csv", [["file", "title"], ["a.jpg", "A"], ["b.jpg", "B"]])
    cat_path = tmp_path / "c.sqlite"
    with Catalogue.open(cat_path) as cat:
        assert import_collection(cat, images, meta).added == 2
    return cat_path, meta


def test_an_image_edited_in_place_keeps_its_record(tmp_path: Path) -> None:
    """Was: a second asset for the same path, the record left on the old content."""
    images = tmp_path / "img"
    cat_path, _ = _titled(tmp_path, images)
    broken.good_jpeg(images / "a.jpg", (70, 50))  # retouched: new content, same name
    with Catalogue.open(cat_path) as cat:
        report = import_collection(cat, images)
        assets = _assets(cat)
    assert len(assets) == 2 and assets["a.jpg"].title == "A", report.lines()  # type: ignore[attr-defined]
    assert (assets["a.jpg"].width, assets["a.jpg"].height) == (70, 50)  # type: ignore[attr-defined]
    assert any(w == "a.jpg" and "content changed" in r for w, r in report.notes), report.notes


def test_two_swapped_images_each_keep_their_own_record(tmp_path: Path) -> None:
    """Was: "same content as b.jpg; skipped" twice, and each painting kept the other's record."""
    images = tmp_path / "img"
    cat_path, _ = _titled(tmp_path, images)
    a, b = (images / "a.jpg").read_bytes(), (images / "b.jpg").read_bytes()
    (images / "a.jpg").write_bytes(b)
    (images / "b.jpg").write_bytes(a)
    with Catalogue.open(cat_path) as cat:
        from heritage_desk.services.check import CheckOptions, check_catalogue

        seen = check_catalogue(cat, CheckOptions(images_roots=[images], repair=False))
        report = import_collection(cat, images)
        assets = _assets(cat)
    text = "\n".join(seen.lines()) if hasattr(seen, "lines") else str(seen)
    assert "a.jpg" in text and "b.jpg" in text, text  # check sees both changed
    assert report.skipped_duplicates == 0, report.lines()
    assert {p: x.title for p, x in assets.items()} == {"a.jpg": "B", "b.jpg": "A"}  # type: ignore[attr-defined]
    assert (assets["b.jpg"].width, assets["b.jpg"].height) == (64, 48)  # type: ignore[attr-defined]
