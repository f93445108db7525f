"""Issue 17: the artist filter's entries for what the model thinks of the artist. "Unknown painter
(likely)" finds the works whose suggestions say "none of the painters I know" (and a reopened
window keeps it chosen); "Possible mistake" the recorded artists the model strongly doubts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from heritage_desk.core.model import UNKNOWN_ARTIST, Doubt, Field, Suggestion
from heritage_desk.core.query import AssetQuery
from heritage_desk.gui.collection_model import ROW_ROLE
from heritage_desk.gui.collection_view import POSSIBLE_MISTAKE, UNKNOWN_PAINTER
from heritage_desk.storage.catalogue import Catalogue
from tests.gui.conftest import N_ASSETS, WAIT, Collection, open_desk

pytestmark = pytest.mark.gui


def _suggest(location: Path) -> list[int]:
    """Two works led by "none of the painters I know", one where a named painter leads."""
    cat = Catalogue.open(str(location))
    try:
        ids = [a.id for a in cat.query_assets(AssetQuery(missing_artist=True))][:3]
        assert len(ids) == 3
        for aid, (first, second) in zip(ids, ((UNKNOWN_ARTIST, "X"), (UNKNOWN_ARTIST, "Y"),
                                              ("X", UNKNOWN_ARTIST)), strict=True):  # fmt: skip
            cat.replace_suggestions(
                aid,
                [Suggestion(Field.ARTIST, first, 0.6, 1, "m1"),
                 Suggestion(Field.ARTIST, second, 0.3, 2, "m1")],
            )  # fmt: skip
        return ids[:2]
    finally:
        cat.close()


def _shown_ids(w: Any) -> list[int]:
    return [w.model.index(r, 0).data(ROW_ROLE).asset.id for r in range(w.model.rowCount())]


def test_the_artist_filter_finds_works_likely_by_an_unknown_painter(
    collection: Collection, catalogue_copy: Path, tmp_path: Path, qtbot: Any,
    isolated_settings: None,
) -> None:  # fmt: skip
    want = _suggest(catalogue_copy)
    app = open_desk(catalogue_copy, tmp_path, collection.images)
    w = app.window
    w.show()
    qtbot.waitUntil(lambda: w.model.rowCount() == N_ASSETS, timeout=WAIT)
    combo = w.collection.filters.combos[Field.ARTIST]
    entry = combo.findData(UNKNOWN_PAINTER)
    assert entry == 1 and combo.itemText(entry) == "Unknown painter (likely)"
    with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
        combo.setCurrentIndex(entry)
    assert w.model.query.unknown_painter is True and w.model.query.artist is None
    qtbot.waitUntil(lambda: w.model.rowCount() == len(want), timeout=WAIT)
    assert sorted(_shown_ids(w)) == sorted(want)
    app.close()
    QSettings().remove("window/geometry")
    again = open_desk(catalogue_copy, tmp_path, collection.images)
    try:
        w2 = again.window
        w2.show()
        qtbot.waitUntil(lambda: w2.model.query.unknown_painter is True, timeout=WAIT)
        assert w2.collection.filters.combos[Field.ARTIST].currentData() == UNKNOWN_PAINTER
        qtbot.waitUntil(lambda: w2.model.rowCount() == len(want), timeout=WAIT)
    finally:
        again.close()


def test_possible_mistakes_are_a_filter_a_sort_and_a_line_in_the_panel(
    collection: Collection, catalogue_copy: Path, tmp_path: Path, qtbot: Any,
    isolated_settings: None,
) -> None:  # fmt: skip
    """Works whose recorded artist the model strongly doubts (as the background pass stores
    them): the artist filter's "Possible mistake" entry lists them, "Most doubted artist
    first" puts them on top, and the panel says why, naming what the model would say."""
    cat = Catalogue.open(str(catalogue_copy))
    try:
        known = [a for a in cat.query_assets(AssetQuery(missing_artist=False))][:3]
        assert len(known) == 3
        doubts = [
            Doubt(a.id, a.image_path, a.value(Field.ARTIST) or "", p, "Edgar Degas", 0.81, "m1")
            for a, p in zip(known, (0.02, 0.6, 0.01), strict=True)
        ]
        cat.record_doubts([a.id for a in known], doubts)
    finally:
        cat.close()
    app = open_desk(catalogue_copy, tmp_path, collection.images)
    try:
        w = app.window
        w.show()
        qtbot.waitUntil(lambda: w.model.rowCount() == N_ASSETS, timeout=WAIT)
        bar = w.collection.filters
        sort = bar.sort.findText("Most doubted artist first")
        with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
            bar.sort.setCurrentIndex(sort)
        qtbot.waitUntil(lambda: _shown_ids(w)[:3] == [known[2].id, known[0].id, known[1].id],
                        timeout=WAIT)  # fmt: skip
        combo = bar.combos[Field.ARTIST]
        with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
            combo.setCurrentIndex(combo.findData(POSSIBLE_MISTAKE))
        assert w.model.query.possible_mistake is True and w.model.query.artist is None
        qtbot.waitUntil(lambda: _shown_ids(w) == [known[2].id, known[0].id], timeout=WAIT)
        w.collection.grid.setCurrentIndex(w.model.index(0, 0))
        panel = w.suggestions
        qtbot.waitUntil(
            lambda: panel.detail is not None and panel.detail.asset.id == known[2].id,
            timeout=WAIT,
        )
        assert panel.doubt_label.isVisible()
        assert "Possible mistake" in panel.doubt_label.text()
        assert "1%" in panel.doubt_label.text() and "Edgar Degas (81%)" in panel.doubt_label.text()
    finally:
        app.close()
