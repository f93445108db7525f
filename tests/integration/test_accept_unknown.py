"""Accepting "none of the painters I know" through the window's path (A, Shift+A) writes no artist.

The window accepts through Desk.accept -> ReviewService.accept_many; only the single-suggestion
`accept` knew that the unknown-painter candidate is no value (issue 12: Shift+A on the demo
wrote "none of the painters I know" as the artist of two works).
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from heritage_desk.core.model import UNKNOWN_ARTIST, Action, Field, Suggestion
from heritage_desk.services.review import ReviewService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import export_csv
from heritage_desk.storage.importer import import_collection


def test_accept_many_with_the_unknown_painter_rejects_the_artist_and_keeps_the_date(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    images = tmp_path / "images"
    images.mkdir()
    shutil.copyfile(aic_demo_dir / "images" / "aic_93784.jpg", images / "aic_93784.jpg")
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        import_collection(cat, images)
        (aid,) = cat.asset_ids()
        unknown = Suggestion(Field.ARTIST, UNKNOWN_ARTIST, 0.6, 1, "m-1")
        monet = Suggestion(Field.ARTIST, "Claude Monet", 0.3, 2, "m-1")
        date = Suggestion(Field.DATE, "1870s", 0.8, 1, "m-1", year_from=1865, year_to=1884)
        cat.replace_suggestions(aid, [unknown, monet, date])
        review = ReviewService(cat)
        changes = review.accept_many(aid, [unknown, date], "ana")
        asset = cat.get_asset(aid)
        assert asset.value(Field.ARTIST) is None  # never the words as a painter's name
        assert asset.value(Field.DATE) == "1870s"
        assert cat.suggestions(aid, Field.ARTIST) == []  # the field's candidates were rejected
        assert aid in changes.asset_ids and changes.fields
        # One step: one undo brings the candidates back and the date off.
        review.undo("ana")
        asset = cat.get_asset(aid)
        assert asset.value(Field.DATE) is None and asset.value(Field.ARTIST) is None
        assert [s.value for s in cat.suggestions(aid, Field.ARTIST)] == [
            UNKNOWN_ARTIST,
            "Claude Monet",
        ]


def test_an_accepted_unknown_painter_exports_empty_with_the_reason_in_its_provenance(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    """Issue 17: the artist cell stays empty and artist_source .. artist_decided_at say that a
    curator accepted "none of the painters I know" (whose suggestion, how sure, who, when);
    undo takes the reason away with the decision, redo brings it back."""
    images = tmp_path / "images"
    images.mkdir()
    for name in ("aic_93784.jpg", "aic_81537.jpg"):
        shutil.copyfile(aic_demo_dir / "images" / name, images / name)
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        import_collection(cat, images)
        by_name = {Path(a.image_path).name: a.id for a in cat.get_assets(cat.asset_ids())}
        aid, other = by_name["aic_93784.jpg"], by_name["aic_81537.jpg"]
        unknown = Suggestion(Field.ARTIST, UNKNOWN_ARTIST, 0.6, 1, "m-1")
        for a in (aid, other):
            cat.replace_suggestions(
                a, [unknown, Suggestion(Field.ARTIST, "Claude Monet", 0.3, 2, "m-1")]
            )
        review = ReviewService(cat)
        review.accept(aid, Field.ARTIST, unknown, "ana")
        assert cat.suggestions(aid, Field.ARTIST) == []  # nothing left to review
        (last,) = [d for d in cat.history(aid, Field.ARTIST) if d.new_value == UNKNOWN_ARTIST]
        assert last.action is Action.ACCEPT and last.probability == 0.6
        assert [d.action for d in cat.history(aid, Field.ARTIST)] == [Action.REJECT, Action.ACCEPT]
        review.reject_many(other, cat.suggestions(other, Field.ARTIST), "ana")  # not the same

        def rows() -> dict[str, dict[str, str]]:
            export_csv(cat, tmp_path / "out.csv")
            with open(tmp_path / "out.csv", encoding="utf-8") as f:
                return {Path(r["image_file"]).name: r for r in csv.DictReader(f)}

        row = rows()["aic_93784.jpg"]
        assert row["artist"] == ""
        assert row["artist_source"] == UNKNOWN_ARTIST
        assert (row["artist_model_version"], row["artist_reviewer"]) == ("m-1", "ana")
        assert float(row["artist_probability"]) == 0.6 and row["artist_decided_at"]
        assert rows()["aic_81537.jpg"]["artist_source"] == ""  # every candidate rejected: no reason
        review.undo("ana")  # the reject of the other work
        review.undo("ana")  # the unknown painter
        assert [s.value for s in cat.suggestions(aid, Field.ARTIST)] == [
            UNKNOWN_ARTIST,
            "Claude Monet",
        ]
        assert rows()["aic_93784.jpg"]["artist_source"] == ""
        review.redo("ana")
        assert cat.suggestions(aid, Field.ARTIST) == []
        assert rows()["aic_93784.jpg"]["artist_source"] == UNKNOWN_ARTIST
        assert cat.get_asset(aid).value(Field.ARTIST) is None
