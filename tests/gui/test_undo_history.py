"""Named undo and the undo history (issue 12): the Edit menu says what Ctrl+Z and Ctrl+Shift+Z
would reverse ("Undo accept Claude Monet"), the status bar says what they did, and the history
list undoes down to a chosen step. The real window, catalogue and tiny lite0 model."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from heritage_desk.core.model import Field
from heritage_desk.gui.undo_history import UndoHistoryDialog
from heritage_desk.workers import operations
from tests.gui.conftest import WAIT, call

pytestmark = pytest.mark.gui


def _texts(w: Any) -> tuple[str, str]:
    return w.actions_by_name["undo"].text(), w.actions_by_name["redo"].text()


def test_undo_and_redo_are_named_and_the_history_undoes_to_a_step(
    app_after_background_pass: Any, qtbot: Any
) -> None:
    app = app_after_background_pass
    w = app.window
    messages: list[str] = []
    w.review.message.connect(messages.append)
    row = next(i for i in range(w.model.rowCount()) if w.model.row_data(i).artist is not None)
    w.collection.set_current_row(row)
    qtbot.waitUntil(
        lambda: w.review.detail is not None and bool(w.review.detail.pending_fields()),
        timeout=WAIT,
    )
    d = w.review.detail
    aid, top = d.asset.id, d.candidates(Field.ARTIST)[0]
    w.review.set_focus(Field.ARTIST)
    w.actions_by_name["accept"].trigger()
    qtbot.waitUntil(lambda: _texts(w)[0] == f"&Undo accept {top.value}", timeout=WAIT)
    assert _texts(w)[1] == "&Redo"
    # A typed title, then a flag: the menu follows each.
    w.collection.set_current_row(w.model.row_of(aid) or 0)
    qtbot.waitUntil(lambda: w.review.detail is not None and w.review.detail.asset.id == aid)
    w.review.edit(Field.TITLE, "A title for the expert")
    qtbot.waitUntil(
        lambda: _texts(w)[0] == "&Undo set title to A title for the expert", timeout=WAIT
    )
    call(app, qtbot, lambda desk: None)  # the edit has landed before the flag is asked for
    qtbot.waitUntil(lambda: w.review.detail is not None and w.review.detail.asset.id == aid)
    w.review.run_decision("flagged", operations.flag(aid, "ask", "tester", initiator=w.review))
    qtbot.waitUntil(lambda: _texts(w)[0] == "&Undo flag for an expert", timeout=WAIT)
    # Ctrl+Z says what it undid; the menu now offers the title's undo and the flag's redo.
    w.actions_by_name["undo"].trigger()
    qtbot.waitUntil(lambda: "Undone: flag for an expert" in messages, timeout=WAIT)
    qtbot.waitUntil(
        lambda: (
            _texts(w) == ("&Undo set title to A title for the expert", "&Redo flag for an expert")
        ),
        timeout=WAIT,
    )
    # The history lists the stack newest first; undoing to the accept undoes the title too.
    w.actions_by_name["undo_history"].trigger()
    dlg = next(x for x in QApplication.topLevelWidgets() if isinstance(x, UndoHistoryDialog))
    qtbot.waitUntil(lambda: dlg.state is not None, timeout=WAIT)
    labels = [s.label for s in dlg.state.undo]
    assert labels[:2] == ["set title to A title for the expert", f"accept {top.value}"]
    assert dlg.list.item(1).text().startswith(f"accept {top.value}")
    assert "flag for an expert" in dlg.redo_label.text()
    dlg.list.setCurrentRow(1)
    dlg.undo_button.click()
    qtbot.waitUntil(lambda: f"Undone: accept {top.value}" in messages, timeout=WAIT)
    a = call(app, qtbot, lambda desk: desk.detail(aid).asset)
    assert a.value(Field.ARTIST) is None and a.title != "A title for the expert"
    qtbot.waitUntil(lambda: _texts(w)[1] == f"&Redo accept {top.value}", timeout=WAIT)
    qtbot.waitUntil(lambda: dlg.state is not None and not any(
        s.label == f"accept {top.value}" for s in dlg.state.undo[:1]), timeout=WAIT)  # fmt: skip
    dlg.close()
    # Redo brings back one step at a time, in order.
    w.actions_by_name["redo"].trigger()
    qtbot.waitUntil(lambda: f"Redone: accept {top.value}" in messages, timeout=WAIT)
    assert call(app, qtbot, lambda desk: desk.detail(aid).asset.value(Field.ARTIST))
    qtbot.waitUntil(
        lambda: _texts(w)[1] == "&Redo set title to A title for the expert", timeout=WAIT
    )


def test_a_batch_undoes_by_name_in_one_step(app_after_background_pass: Any, qtbot: Any) -> None:
    app = app_after_background_pass
    w = app.window
    dlg = w.open_batch()
    dlg.threshold.setValue(0.05)
    qtbot.waitUntil(lambda: dlg.count is not None and dlg.ok.isEnabled(), timeout=WAIT)
    n = dlg.count
    dlg.ok.click()
    qtbot.waitUntil(lambda: _texts(w)[0] == f"&Undo batch accept of {n} values", timeout=WAIT)
