"""Accepting "none of the painters I know" through the window's path (A, Shift+A) writes no artist.

The window accepts through Desk.accept -> ReviewService.accept_many; only the single-suggestion
`accept` knew that the unknown-painter candidate is no value (issue 12: Shift+A on the demo
wrote "none of the painters I know" as the artist of two works).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from heritage_desk.core.model import UNKNOWN_ARTIST, Field, Suggestion
from heritage_desk.services.review import ReviewService
from heritage_desk.storage.catalogue import Catalogue
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
