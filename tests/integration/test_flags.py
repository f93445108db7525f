"""Flag for an expert (issue 12): a note kept in the catalogue, a filter, the history, the export,
undo and redo; on real AIC images in real SQLite and PostgreSQL catalogues."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from heritage_desk.core.model import Action, Field
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.review import ReviewService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import FLAG_COLUMNS, export_columns, export_csv
from heritage_desk.storage.importer import import_collection

NOTE = "Signature bottom left reads 'Sisley'? Ask the paintings department."


@pytest.fixture
def cat(catalogue_url: str, aic_demo_dir: Path, tmp_path: Path) -> Iterator[Catalogue]:
    with open(aic_demo_dir / "labels.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:4]
    images = tmp_path / "images"
    images.mkdir()
    with open(tmp_path / "meta.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image_file", "artist", "title"])
        for r in rows:
            name = Path(r["image_file"]).name
            shutil.copyfile(aic_demo_dir / r["image_file"], images / name)
            w.writerow([name, r["artist_display"], r["title"]])
    c = Catalogue.open(catalogue_url)
    report = import_collection(c, images, tmp_path / "meta.csv")
    assert report.added == 4, report.lines()
    yield c
    c.close()


def test_a_flag_is_kept_filtered_shown_in_the_history_exported_and_undone(
    cat: Catalogue, tmp_path: Path
) -> None:
    review = ReviewService(cat)
    ids = cat.asset_ids(AssetQuery())
    a = ids[1]
    ch = review.flag(a, f"  {NOTE}\n", "ana")
    assert ch.asset_ids == {a} and ch.decisions
    fv = cat.get_asset(a).fields[Field.FLAG]
    assert (fv.value, fv.reviewer, fv.is_confirmed) == (NOTE, "ana", False)
    assert cat.asset_ids(AssetQuery(flagged=True)) == [a]
    assert cat.asset_ids(AssetQuery(flagged=False)) == [i for i in ids if i != a]
    # A question is no review: the asset is not "reviewed" because of its flag.
    assert a not in cat.asset_ids(AssetQuery(reviewed=True))
    (d,) = [d for d in cat.history(a) if d.field is Field.FLAG]
    assert (d.action, d.new_value, d.reviewer) == (Action.FLAG, NOTE, "ana")

    out = tmp_path / "export.csv"
    export_csv(cat, out)
    with open(out, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
        f.seek(0)
        rows = {r["image_file"]: r for r in csv.DictReader(f)}
    # New columns at the end: every older column keeps its name and its place.
    assert header == export_columns() and tuple(header[-3:]) == FLAG_COLUMNS
    assert header.index("artist_accepted_from") == len(header) - 5
    flagged = rows[cat.get_asset(a).image_path]
    assert (flagged["flag_note"], flagged["flagged_by"]) == (NOTE, "ana")
    assert flagged["flagged_at"].startswith(str(fv.decided_at.year))
    assert all(r["flag_note"] == "" for p, r in rows.items() if p != flagged["image_file"])

    # One undo takes the flag off, redo puts it back with its note.
    assert cat.undo("ana").asset_ids == {a}
    assert Field.FLAG not in cat.get_asset(a).fields
    assert cat.asset_ids(AssetQuery(flagged=True)) == []
    cat.redo("ana")
    assert cat.get_asset(a).fields[Field.FLAG].value == NOTE
    # Taken off once the expert has answered; the note stays in the history.
    review.unflag(a, "ben")
    assert cat.asset_ids(AssetQuery(flagged=True)) == []
    assert [d.action for d in cat.history(a) if d.field is Field.FLAG][-1] is Action.UNFLAG
    assert review.unflag(a, "ben").asset_ids == frozenset()  # nothing to take off
    assert cat.integrity_check() == []


def test_a_re_imported_export_sets_no_flag(cat: Catalogue, tmp_path: Path) -> None:
    a = cat.asset_ids(AssetQuery())[0]
    ReviewService(cat).flag(a, NOTE, "ana")
    out = tmp_path / "export.csv"
    export_csv(cat, out)
    ReviewService(cat).unflag(a, "ana")
    import_collection(cat, tmp_path / "images", out)  # a file cannot say an expert was asked
    assert cat.asset_ids(AssetQuery(flagged=True)) == []
