"""The table's column chooser (issue 12): suggested date, where each value came from, the flag
note, inventory number; shown or hidden from View ▸ Table columns, kept for the next window."""

from __future__ import annotations

from typing import Any

import pytest

from heritage_desk.core.model import Field
from heritage_desk.gui.collection_model import COLUMNS
from tests.gui.conftest import WAIT, Collection, open_desk

pytestmark = pytest.mark.gui


def _col(what: str) -> int:
    return next(i for i, c in enumerate(COLUMNS) if c[2] == what)


def test_columns_are_chosen_shown_and_kept(
    app_after_background_pass: Any, collection: Collection, qtbot: Any, tmp_path: Any
) -> None:
    app = app_after_background_pass
    w = app.window
    chooser = w.collection.columns
    w.actions_by_name["table"].trigger()
    view = next(a.menu() for a in w.menuBar().actions() if a.text() == "&View")
    assert chooser.menu in [a.menu() for a in view.actions()]
    # By default: the suggested date and the inventory number show, the sources hide.
    assert not w.collection.table.isColumnHidden(_col("suggested_date"))
    assert not w.collection.table.isColumnHidden(_col("inventory"))
    assert w.collection.table.isColumnHidden(_col("artist_source"))
    assert not chooser.actions["title"].isEnabled()  # the row keeps its handle
    chooser.actions["artist_source"].trigger()
    chooser.actions["inventory"].trigger()
    assert not w.collection.table.isColumnHidden(_col("artist_source"))
    assert w.collection.table.isColumnHidden(_col("inventory"))
    m = w.model
    # What the new columns show: a pending date suggestion with its range, an imported value.
    rows = [m.row_data(i) for i in range(m.rowCount())]
    dated = next(i for i, r in enumerate(rows) if r.date is not None and
                 r.asset.value(Field.DATE) is None)  # fmt: skip
    shown = m.data(m.index(dated, _col("suggested_date")))
    assert rows[dated].date.value in shown and shown
    known = next(i for i, r in enumerate(rows) if r.asset.value(Field.ARTIST) is not None)
    assert m.data(m.index(known, _col("artist_source"))) == "imported"
    # Accept a date: its column then names the suggestion it came from.
    w.collection.set_current_row(dated)
    qtbot.waitUntil(lambda: w.review.detail is not None and w.review.current_id ==
                    rows[dated].asset.id and bool(w.review.detail.pending_fields()),
                    timeout=WAIT)  # fmt: skip
    w.review.set_focus(Field.DATE)
    w.actions_by_name["accept"].trigger()
    qtbot.waitUntil(
        lambda: str(m.data(m.index(dated, _col("date_source")))).startswith("date suggestion 1"),
        timeout=WAIT,
    )
    assert m.data(m.index(dated, _col("suggested_date"))) == ""  # nothing pending any more
    # The next window shows the same columns.
    app.close()
    again = open_desk(app.location, tmp_path / "again", collection.images)
    try:
        table = again.window.collection.table
        assert not table.isColumnHidden(_col("artist_source"))
        assert table.isColumnHidden(_col("inventory"))
        assert table.isColumnHidden(_col("date_source"))
        # Every column shown is a choice too (not the defaults again).
        for what in again.window.collection.columns.actions:
            again.window.collection.columns.set_shown(what, True)
    finally:
        again.close()
    third = open_desk(app.location, tmp_path / "third", collection.images)
    try:
        assert third.window.collection.columns.hidden() == set()
    finally:
        third.close()
