"""Issue 12, where am I: badges per review state, the progress counter, the filmstrip, and the
session (filter, sort, current asset, panes, theme) found again after reopening."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication

from heritage_desk.core.model import UNKNOWN_ARTIST, Field
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.core.review_state import ReviewState
from heritage_desk.gui.badges import BADGES, state_of
from tests.gui.conftest import N_ASSETS, WAIT, Collection, call, open_desk

pytestmark = pytest.mark.gui


def _near(c: QColor, hex_colour: str, tol: int = 40) -> bool:
    want = QColor(hex_colour)
    return all(abs(a - b) <= tol for a, b in zip(c.getRgb()[:3], want.getRgb()[:3], strict=True))


def _badge_pixels(w: Any, row: int) -> dict[str, QColor]:
    """The colour inside the badge disc of `row` in the grid, the table and the filmstrip."""
    idx = w.model.index(row, 0)
    out = {}
    views = {"grid": w.collection.grid, "table": w.collection.table, "strip": w.stage.filmstrip}
    for name, view in views.items():
        if name == "table":
            w.collection.show_grid(False)
        view.scrollTo(idx, QAbstractItemView.ScrollHint.PositionAtCenter)
        r: QRect = view.visualRect(idx)
        # Left of the glyph, inside the white rim (badges.paint_badge, each delegate's corner).
        at = {
            "grid": QPoint(r.left() + 6 + 4, r.top() + 4 + 10),
            "table": QPoint(r.right() - 16 - 2 + 3, r.top() + (r.height() - 16) // 2 + 8),
            "strip": QPoint(r.left() + 5 + 3, r.top() + 5 + 8),
        }[name]
        out[name] = view.viewport().grab().toImage().pixelColor(at)
        if name == "table":
            w.collection.show_grid(True)
    return out


def _state(w: Any, row: int) -> ReviewState | None:
    return state_of(w.model.index(row, 0))


def test_each_review_state_wears_its_badge_in_grid_table_and_filmstrip(
    app_with_model: Any, collection: Collection, qtbot: Any
) -> None:
    app = app_with_model
    w = app.window
    w.resize(1280, 820)
    rows = [w.model.row_data(i) for i in range(N_ASSETS)]
    names = [Path(r.asset.image_path).name for r in rows]
    missing = [i for i, n in enumerate(names) if n in collection.hidden_artist]
    known = [
        i for i, n in enumerate(names)
        if n not in collection.hidden_artist and n not in collection.hidden_date
    ]  # fmt: skip
    # Nothing suggested yet: a missing artist is "missing", an asset known as imported has none.
    assert {_state(w, i) for i in missing} == {ReviewState.MISSING}
    assert {_state(w, i) for i in known} == {ReviewState.IMPORTED}
    # Going to a work has it suggested: "suggested".
    first = missing[0]
    w.collection.set_current_row(first)
    qtbot.waitUntil(lambda: _state(w, first) is ReviewState.SUGGESTED, timeout=WAIT)
    # Accepting a named candidate: "accepted".
    qtbot.waitUntil(
        lambda: w.review.detail is not None and bool(w.review.detail.suggestions), timeout=WAIT
    )
    d = w.review.detail
    rank = next(s.rank for s in d.candidates(Field.ARTIST) if s.value != UNKNOWN_ARTIST)
    for f in d.pending_fields():
        if f is Field.DATE:
            w.review.set_focus(Field.DATE)
            w.actions_by_name["accept"].trigger()
    w.review.set_focus(Field.ARTIST)
    w.actions_by_name[f"pick{rank}"].trigger()
    qtbot.waitUntil(lambda: _state(w, first) is ReviewState.ACCEPTED, timeout=WAIT)
    # Typing both values: "confirmed by a curator".
    other = missing[1]
    w.collection.set_current_row(other)
    qtbot.waitUntil(
        lambda: w.review.current_id == rows[other].asset.id and w.review.detail is not None,
        timeout=WAIT,
    )
    aid = rows[other].asset.id
    w.review.edit(Field.ARTIST, "Jan Steen")
    qtbot.waitUntil(
        lambda: w.model.row_data(other).asset.value(Field.ARTIST) == "Jan Steen", timeout=WAIT
    )
    w.review.edit(Field.DATE, "1660")
    qtbot.waitUntil(lambda: _state(w, other) is ReviewState.CONFIRMED, timeout=WAIT)
    assert call(app, qtbot, lambda d: d.detail(aid).asset.value(Field.DATE)) == "1660"
    # Flagged for an expert: "flagged", whatever else the work has.
    # The last rows: far from the works the window has suggested ahead of the current one.
    still_missing = [i for i in missing[2:] if _state(w, i) is ReviewState.MISSING]
    flagged = still_missing.pop(0)
    fid = rows[flagged].asset.id
    call(app, qtbot, lambda d: d.flag(fid, "Ask the Rembrandt expert", "tester"))
    qtbot.waitUntil(lambda: _state(w, flagged) is ReviewState.FLAGGED, timeout=WAIT)
    # Painted: each badge's colour where the delegate draws it, in all three views.
    for row, state in ((still_missing[-1], ReviewState.MISSING), (first, ReviewState.ACCEPTED),
                       (other, ReviewState.CONFIRMED), (flagged, ReviewState.FLAGGED)):  # fmt: skip
        for view, colour in _badge_pixels(w, row).items():
            assert _near(colour, BADGES[state].colour), (view, state, colour.name())
    suggested = [i for i in range(N_ASSETS) if _state(w, i) is ReviewState.SUGGESTED]
    for row in suggested[:1]:
        for view, colour in _badge_pixels(w, row).items():
            assert _near(colour, BADGES[ReviewState.SUGGESTED].colour), (view, colour.name())
    assert ReviewState.IMPORTED not in BADGES  # known as imported: a quiet grid


def test_progress_counter_counts_the_filter_on_screen(
    app_without_model: Any, collection: Collection, qtbot: Any
) -> None:
    app = app_without_model
    w = app.window
    progress = w.stage.progress
    qtbot.waitUntil(lambda: progress.reviewed is not None, timeout=WAIT)
    assert progress.label.text() == f"0 of {N_ASSETS} reviewed in this filter"
    n = len(collection.hidden_artist)
    w.collection.filters.missing_artist.setChecked(True)
    qtbot.waitUntil(
        lambda: progress.label.text() == f"0 of {n} reviewed in this filter", timeout=WAIT
    )
    # Typing an artist: the work stays on screen and counts as reviewed.
    w.collection.set_current_row(2)
    qtbot.waitUntil(lambda: w.review.detail is not None and w.review.current_id is not None)
    w.review.edit(Field.ARTIST, "Jan Steen")
    qtbot.waitUntil(
        lambda: progress.label.text() == f"1 of {n} reviewed in this filter", timeout=WAIT
    )
    assert w.model.rowCount() == n
    # Undo takes it back; redo gives it again.
    w.actions_by_name["undo"].trigger()
    qtbot.waitUntil(
        lambda: progress.label.text() == f"0 of {n} reviewed in this filter", timeout=WAIT
    )
    w.actions_by_name["redo"].trigger()
    qtbot.waitUntil(lambda: progress.reviewed == 1, timeout=WAIT)
    # Applying the filter again: the typed work has left it, and SQL agrees with the counter.
    w.collection.filters.emit_query()
    qtbot.waitUntil(lambda: progress.total == n - 1 and progress.reviewed is not None)
    q = AssetQuery(missing_artist=True, reviewed=True)
    assert progress.reviewed == call(app, qtbot, lambda d: d.page(q).count) == 0
    w.collection.filters.missing_artist.setChecked(False)
    w.collection.filters.reviewed.setCurrentIndex(2)  # "Reviewed"
    qtbot.waitUntil(lambda: progress.label.text() == "1 of 1 reviewed in this filter", timeout=WAIT)


def test_filmstrip_shares_the_current_asset_and_follows_it(
    app_on_first_row: Any, qtbot: Any
) -> None:
    w = app_on_first_row.window
    strip = w.stage.filmstrip
    assert strip.model() is w.model and strip.selectionModel() is w.collection.selection
    assert strip.uniformItemSizes() and strip.isVisible()
    w.collection.active_view().setFocus()
    for _ in range(N_ASSETS - 1):
        qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_J)
    last = w.collection.current_row()
    assert last == N_ASSETS - 1 and strip.currentIndex().row() == last
    assert strip.viewport().rect().intersects(strip.visualRect(strip.currentIndex()))
    # A click on the strip makes that work the current one.
    target = strip.model().index(last - 1, 0)
    strip.scrollTo(target)
    qtbot.mouseClick(
        strip.viewport(), Qt.MouseButton.LeftButton, pos=strip.visualRect(target).center()
    )
    assert w.collection.current_row() == last - 1
    qtbot.waitUntil(lambda: w.review.current_id == w.model.row_data(last - 1).asset.id)
    # After a new filter the first work is current, and J goes on from there.
    with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
        w.collection.filters.missing_date.setChecked(True)
    qtbot.waitUntil(lambda: w.collection.current_row() == 0)
    qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_J)
    assert w.collection.current_row() == 1 == strip.currentIndex().row()


def test_session_is_found_again_after_reopening(
    collection: Collection, catalogue_copy: Path, tmp_path: Path, qtbot: Any,
    isolated_settings: None,
) -> None:  # fmt: skip
    app = open_desk(catalogue_copy, tmp_path, collection.images)
    w = app.window
    w.show()
    qtbot.waitUntil(lambda: w.model.rowCount() == N_ASSETS, timeout=WAIT)
    f = w.collection.filters
    with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
        f.missing_date.setChecked(True)
    with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
        f.sort.setCurrentIndex(3)  # Title
    w.collection.set_current_row(3)
    qtbot.waitUntil(lambda: w.review.detail is not None and w.collection.current_row() == 3)
    chosen = w.review.current_id
    # Within every pane's minimum (collection ~420, painting ~310, suggestions ~490 px).
    w.splitter.setSizes([430, 330, 512])
    w.side.setSizes([300, 470])
    qtbot.wait(200)  # let the layout settle: what is saved is what the curator sees
    sizes, side = w.splitter.sizes(), w.side.sizes()
    assert sizes[0] >= 430 and sizes[2] >= 500
    w.actions_by_name["dark"].setChecked(True)
    window_colour = QApplication.palette().color(QPalette.ColorRole.Window)
    assert window_colour.red() == window_colour.green() == window_colour.blue() < 80
    app.close()
    assert QApplication.palette().color(QPalette.ColorRole.Window) != window_colour
    # The offscreen platform restores a geometry 25 px narrower than it saved, which squeezes
    # the panes to their minimum widths: reopen at the same size to compare the panes.
    QSettings().remove("window/geometry")
    again = open_desk(catalogue_copy, tmp_path, collection.images)
    try:
        w2 = again.window
        w2.show()
        qtbot.waitUntil(lambda: w2.review.current_id == chosen, timeout=WAIT)
        f2 = w2.collection.filters
        assert f2.missing_date.isChecked() and not f2.missing_artist.isChecked()
        assert w2.model.query.sort is Sort.TITLE and f2.sort.currentIndex() == 3
        assert w2.model.query.missing_date is True
        assert w2.splitter.sizes() == sizes and w2.side.sizes() == side
        assert w2.actions_by_name["dark"].isChecked()
        assert QApplication.palette().color(QPalette.ColorRole.Window) == window_colour
        w2.actions_by_name["dark"].setChecked(False)
        assert QApplication.palette().color(QPalette.ColorRole.Window) != window_colour
    finally:
        again.close()


def test_a_saved_asset_is_found_by_its_position_in_the_query(
    app_without_model: Any, qtbot: Any
) -> None:
    """What the restore asks when the saved asset is not in a loaded page (big collections)."""
    from heritage_desk.workers import operations

    app = app_without_model
    q = AssetQuery(sort=Sort.TITLE, descending=True, offset=0, limit=5)
    ids = call(app, qtbot, lambda d: d.asset_ids(AssetQuery(sort=Sort.TITLE, descending=True)))
    for want in (0, 7, N_ASSETS - 1):
        got = call(app, qtbot, operations.position(q, ids[want]).fn)  # paging is ignored
        assert got == want
    assert call(app, qtbot, operations.position(AssetQuery(text="no such"), ids[0]).fn) is None
