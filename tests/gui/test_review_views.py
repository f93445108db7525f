"""Issue 12, seeing the painting: compare with the evidence, the loupe, full screen, back."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from heritage_desk.core.model import UNKNOWN_ARTIST
from heritage_desk.gui.compare_view import evidence_items
from tests.gui.conftest import OFFSCREEN_NOISE, WAIT, call
from tests.gui.test_window_keys import focused, press

pytestmark = pytest.mark.gui
#: The value box's completer popup asks the offscreen plugin for things it cannot do.
TYPING = pytest.mark.qt_log_ignore(
    OFFSCREEN_NOISE, "does not support raise", "does not support grabbing the keyboard"
)


def _work_with_evidence(app: Any, qtbot: Any) -> tuple[int, int]:
    """(row, asset id) of the first work whose artist candidates have the most evidence works."""
    w = app.window
    best: tuple[int, int, int] | None = None
    for row in range(w.model.rowCount()):
        aid = w.model.row_data(row).asset.id
        n = len(evidence_items(call(app, qtbot, lambda d, aid=aid: d.detail(aid))))
        if n and (best is None or n > best[0]):
            best = (n, row, aid)
    assert best is not None and best[0] >= 2, "the test catalogue gives some work 2 evidence works"
    return best[1], best[2]


def test_evidence_opens_side_by_side_steps_with_keys_and_back_returns(
    app_after_background_pass: Any, qtbot: Any
) -> None:
    app = app_after_background_pass
    w = app.window
    row, aid = _work_with_evidence(app, qtbot)
    w.collection.set_current_row(row)
    qtbot.waitUntil(lambda: w.review.detail is not None and w.review.current_id == aid)
    # C compares with the first evidence work (a detail read before the model had loaded is
    # read again: the evidence needs the model's image features).
    w.collection.active_view().setFocus()
    press(qtbot, Qt.Key.Key_C)
    stage = w.stage
    assert stage.comparing()
    qtbot.waitUntil(lambda: bool(stage.compare.items), timeout=WAIT)
    assert stage.compare.index == 0
    items = stage.compare.items
    assert [i.work.asset_id for i in items] == [
        i.work.asset_id for i in evidence_items(w.suggestions.detail)
    ]
    press(qtbot, Qt.Key.Key_C)
    assert not stage.comparing() and not w.collection.isHidden()
    # Clicking an evidence thumbnail compares with that work; the work under review stays.
    cand = next(r for r in w.suggestions.rows if not r.isHidden() and r.evidence)
    qtbot.mouseClick(cand.thumbs[-1 if len(cand.evidence) == 3 else 0], Qt.MouseButton.LeftButton)
    assert stage.comparing() and w.collection.isHidden()
    assert w.review.current_id == aid
    shown = stage.compare.current()
    clicked = cand.evidence[-1 if len(cand.evidence) == 3 else 0]
    assert shown is not None and shown.work.asset_id == clicked.asset_id
    assert shown.rank == cand.rank and shown.artist != UNKNOWN_ARTIST
    qtbot.waitUntil(lambda: stage.compare.left.has_image() and stage.compare.right.has_image())
    # ] and [ step through every evidence work, wrapping around; the caption counts them.
    start = stage.compare.index
    press(qtbot, Qt.Key.Key_BracketRight)
    assert stage.compare.index == (start + 1) % len(items)
    caption = stage.compare.right_caption.text()
    assert f"Evidence {stage.compare.index + 1} of {len(items)}" in caption
    press(qtbot, Qt.Key.Key_BracketLeft)
    assert stage.compare.index == start
    # Zoom and pan together: the evidence shows the same part at the same relative zoom.
    qtbot.waitUntil(lambda: app.previews.pending_count() == 0, timeout=WAIT)
    w.actions_by_name["zoom_in"].trigger()
    w.actions_by_name["zoom_in"].trigger()
    left, right = stage.compare.left, stage.compare.right
    bar = max((left.horizontalScrollBar(), left.verticalScrollBar()), key=lambda b: b.maximum())
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    lz, lx, ly = left.view_state()
    rz, rx, ry = right.view_state()
    assert lz == pytest.approx(1.5625, rel=0.02) and rz == pytest.approx(lz, rel=0.02)
    assert (rx, ry) == pytest.approx((lx, ly), abs=0.08)
    assert (lx, ly) != pytest.approx((0.5, 0.5), abs=0.02)  # it did pan
    # Escape: back to the single painting, the same work, the collection and its keys.
    press(qtbot, Qt.Key.Key_Escape)
    assert not stage.comparing() and not w.collection.isHidden()
    assert w.review.current_id == aid and w.collection.current_row() == row
    qtbot.waitUntil(lambda: focused() is w.collection.active_view(), timeout=3000)
    assert not w.actions_by_name["back"].isEnabled()  # Escape belongs to the widgets again
    row_after = w.collection.current_row()
    press(qtbot, Qt.Key.Key_J)
    assert w.collection.current_row() == row_after + 1


def test_compare_follows_the_next_work_and_says_when_there_is_no_evidence(
    app_on_first_row: Any, qtbot: Any
) -> None:
    """Without a model there is no evidence: the compare view says so and J/K still work."""
    w = app_on_first_row.window
    w.collection.active_view().setFocus()
    press(qtbot, Qt.Key.Key_C)
    compare = w.stage.compare
    assert w.stage.comparing() and compare.current() is None
    assert "No evidence" in compare.right._message
    aid = w.review.current_id
    press(qtbot, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: compare.detail is not None and compare.detail.asset.id != aid)
    assert compare.detail.asset.id == w.review.current_id
    qtbot.waitUntil(compare.left.has_image, timeout=WAIT)
    press(qtbot, Qt.Key.Key_Escape)
    assert not w.stage.comparing() and w.review.current_id != aid
    # The Back button does what Escape does.
    press(qtbot, Qt.Key.Key_C)
    qtbot.mouseClick(compare.back, Qt.MouseButton.LeftButton)
    assert not w.stage.comparing() and not w.collection.isHidden()


@TYPING
def test_loupe_full_screen_and_escape_keep_the_review_keys(
    app_on_first_row: Any, qtbot: Any
) -> None:
    w = app_on_first_row.window
    w.resize(1280, 820)
    view = w.collection.active_view()
    view.setFocus()
    before = w.image.width()
    # E: the collection steps aside, the painting takes its room, the suggestions stay.
    press(qtbot, Qt.Key.Key_E)
    assert w.collection.isHidden() and not w.side.isHidden()
    qtbot.waitUntil(lambda: w.image.width() > before + 200)
    row = w.collection.current_row()
    press(qtbot, Qt.Key.Key_J)  # the keys went to the painting, not into a text box
    assert w.collection.current_row() == row + 1
    assert focused() is w.image
    # F: the painting alone on the whole screen; Escape returns to the loupe, then the grid.
    press(qtbot, Qt.Key.Key_F)
    qtbot.waitUntil(w.isFullScreen)
    assert w.side.isHidden() and w.menuBar().isHidden() and w.stage.footer.isHidden()
    press(qtbot, Qt.Key.Key_K)
    assert w.collection.current_row() == row
    press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not w.isFullScreen())
    assert w.collection.isHidden() and not w.side.isHidden() and not w.menuBar().isHidden()
    press(qtbot, Qt.Key.Key_Escape)
    assert not w.collection.isHidden()
    qtbot.waitUntil(lambda: focused() is view, timeout=3000)
    # In the grid Escape is the value box's again: it leaves the box, and the keys work.
    press(qtbot, Qt.Key.Key_T)
    qtbot.keyClicks(focused(), "abc")
    press(qtbot, Qt.Key.Key_Escape)
    assert focused() is view and w.suggestions.value_edit.text() == ""


@TYPING
def test_escape_in_the_value_box_leaves_the_box_even_in_the_loupe(
    app_on_first_row: Any, qtbot: Any
) -> None:
    w = app_on_first_row.window
    w.collection.active_view().setFocus()
    press(qtbot, Qt.Key.Key_E)
    press(qtbot, Qt.Key.Key_T)
    assert focused() is w.suggestions.value_edit
    qtbot.keyClicks(focused(), "Rembrandt")
    press(qtbot, Qt.Key.Key_Escape)
    # The box was left (keys to the painting), the loupe was not.
    assert w.suggestions.value_edit.text() == "" and w.collection.isHidden()
    assert focused() is w.image
    row = w.collection.current_row()
    press(qtbot, Qt.Key.Key_J)
    assert w.collection.current_row() == row + 1
    # The thumbnails or the table (Ctrl+1, Ctrl+2) bring the collection back.
    press(qtbot, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert not w.collection.isHidden() and not w.collection.is_grid()
    assert focused() is w.collection.table


def test_the_new_keys(app_on_first_row: Any) -> None:
    w = app_on_first_row.window
    keys = {name: [s.toString() for s in w.actions_by_name[name].shortcuts()]
            for name in ("loupe", "full", "compare", "evidence_next", "evidence_prev", "back",
                         "type")}  # fmt: skip
    assert keys == {"loupe": ["E"], "full": ["F"], "compare": ["C"], "evidence_next": ["]"],
                    "evidence_prev": ["["], "back": ["Esc"], "type": ["T"]}  # fmt: skip
    assert w.suggestions.value_edit.placeholderText().endswith("(T)")


def test_the_three_panes_fit_a_1280_px_window(app_on_first_row: Any, qtbot: Any) -> None:
    """Collection, painting and suggestions side by side on a small laptop screen, the
    suggestions never cut; the compare view's captions and hints never widen the window."""
    w = app_on_first_row.window
    assert w.minimumSizeHint().width() <= 1280
    w.resize(1280, 820)
    w.actions_by_name["compare"].trigger()
    assert w.minimumSizeHint().width() <= 1280
    qtbot.waitUntil(lambda: w.width() <= 1280)
    assert w.side.width() >= w.suggestions.minimumSizeHint().width()
