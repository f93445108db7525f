"""Flag for an expert in the window (issue 12): ! asks for a note and moves on, the Flagged
filter finds the asset, the form and the history show the note, Ctrl+Z takes the flag off."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from heritage_desk.core.model import Action, Field
from heritage_desk.gui.dialogs import HistoryDialog
from heritage_desk.gui.flagging import FlagDialog
from tests.gui.conftest import N_ASSETS, WAIT, call

pytestmark = pytest.mark.gui

NOTE = "Looks like a later copy: ask the paintings department"


def _flag_dialog() -> FlagDialog:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, FlagDialog)]
    assert len(found) == 1 and found[0].isVisible()
    return found[0]


def test_flag_with_a_note_filter_history_and_undo(app_on_first_row: Any, qtbot: Any) -> None:
    app = app_on_first_row
    w = app.window
    aid = w.review.current_id
    w.actions_by_name["flag"].trigger()  # "!"
    dlg = _flag_dialog()
    assert not dlg.remove.isVisible()  # not flagged yet: nothing to remove
    qtbot.keyClicks(dlg.note, NOTE)
    with qtbot.waitSignal(w.review.decided, timeout=WAIT):
        dlg.buttons.accepted.emit()
    # Skipped on: the next asset is under review, the flagged one kept its note.
    assert w.collection.current_row() == 1 and w.review.current_id != aid
    flag = call(app, qtbot, lambda d: d.detail(aid).asset.fields[Field.FLAG])
    assert (flag.value, flag.reviewer) == (NOTE, "tester")
    # The Flagged filter shows it alone, the form shows its note.
    with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
        w.collection.filters.flagged.setChecked(True)
    assert w.model.rowCount() == 1 and w.model.row_data(0).asset.id == aid
    qtbot.waitUntil(lambda: w.review.current_id == aid and w.review.detail is not None)
    qtbot.waitUntil(lambda: NOTE in w.form.flag.text(), timeout=WAIT)
    assert w.form.flag.isVisibleTo(w.form)
    # The history names the flag and its note.
    got: list[Any] = []
    w.review.history(got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT)
    hist = HistoryDialog("t", got[0], w)
    cells = [[hist.table.item(0, j).text() for j in range(hist.table.columnCount())]]
    assert cells[0][2:4] == ["flag", "flag"] and NOTE in cells[0]
    hist.close()
    # Flagging again offers to take it off; Ctrl+Z took it off instead.
    w.actions_by_name["flag"].trigger()
    again = _flag_dialog()
    assert again.remove.isVisible() and again.note.toPlainText() == NOTE
    again.reject()
    w.actions_by_name["undo"].trigger()
    # The row stays where the curator saw it (a filter is not re-run under her), unflagged.
    qtbot.waitUntil(lambda: Field.FLAG not in w.model.row_data(0).asset.fields, timeout=WAIT)
    qtbot.waitUntil(lambda: w.form.flag.isHidden(), timeout=WAIT)
    with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
        w.collection.filters.flagged.setChecked(False)
    assert w.model.rowCount() == N_ASSETS
    history = call(app, qtbot, lambda d: d.history(aid))
    assert [d.action for d in history] == [Action.FLAG, Action.UNDO]


def test_remove_flag_from_the_dialog(app_on_first_row: Any, qtbot: Any) -> None:
    app = app_on_first_row
    w = app.window
    aid = w.review.current_id
    call(app, qtbot, lambda d: d.flag(aid, NOTE, "tester"))
    w.collection.set_current_row(0)
    qtbot.waitUntil(
        lambda: w.review.detail is not None and Field.FLAG in w.review.detail.asset.fields,
        timeout=WAIT,
    )
    w.actions_by_name["flag"].trigger()
    dlg = _flag_dialog()
    with qtbot.waitSignal(w.review.decided, timeout=WAIT):
        dlg.remove.click()
    asset = call(app, qtbot, lambda d: d.detail(aid).asset)
    assert Field.FLAG not in asset.fields
    assert w.collection.current_row() == 0  # removing a flag does not move on
