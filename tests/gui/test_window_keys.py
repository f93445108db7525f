"""Keys that must always work, and text that reads as text (issue 12's window bugs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from tests.gui.conftest import OFFSCREEN_NOISE, WAIT

pytestmark = pytest.mark.gui


def focused() -> QWidget:
    """Where a key the curator types goes now (keys go to the focus widget, not to a test's)."""
    w = QApplication.focusWidget()
    assert w is not None, "no widget has the keyboard focus"
    return w


def press(
    qtbot: Any, key: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(focused(), key, mod)


def test_ctrl_q_is_bound_once_and_quits(app_on_first_row: Any, qtbot: Any) -> None:
    w = app_on_first_row.window
    seqs = [s.toString() for s in w.actions_by_name["quit"].shortcuts()]
    assert len(seqs) == len(set(seqs)) == 1, seqs
    every = [s.toString() for a in w.actions_by_name.values() for s in a.shortcuts()]
    assert len(every) == len(set(every)), "a key bound to two actions is never delivered"
    w.collection.active_view().setFocus()
    press(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=WAIT)


# The completer's popup asks the offscreen plugin for things it cannot do.
@pytest.mark.qt_log_ignore(
    OFFSCREEN_NOISE, "does not support raise", "does not support grabbing the keyboard"
)
def test_after_typing_a_value_the_review_keys_work_again(app_on_first_row: Any, qtbot: Any) -> None:
    w = app_on_first_row.window
    view = w.collection.active_view()
    view.setFocus()
    press(qtbot, Qt.Key.Key_T)
    assert focused() is w.suggestions.value_edit
    qtbot.keyClicks(focused(), "Jan Steen")
    with qtbot.waitSignal(app_on_first_row.executor.changes, timeout=WAIT):
        press(qtbot, Qt.Key.Key_Return)
    assert focused() is view, "Enter left the focus in the value box"
    row = w.collection.current_row()
    press(qtbot, Qt.Key.Key_J)
    assert w.collection.current_row() == row + 1
    # Escape leaves the box without entering anything.
    press(qtbot, Qt.Key.Key_T)
    qtbot.keyClicks(focused(), "abc")
    press(qtbot, Qt.Key.Key_Escape)
    assert focused() is view and w.suggestions.value_edit.text() == ""
    press(qtbot, Qt.Key.Key_K)
    assert w.collection.current_row() == row


@pytest.mark.parametrize("which", ["history", "model"])
def test_single_key_shortcuts_work_after_closing_a_dialog(
    app_on_first_row: Any, qtbot: Any, which: str
) -> None:
    w = app_on_first_row.window
    w.collection.active_view().setFocus()
    before = set(QApplication.topLevelWidgets())
    w.actions_by_name[which].trigger()
    qtbot.waitUntil(
        lambda: any(t.isVisible() for t in set(QApplication.topLevelWidgets()) - before),
        timeout=WAIT,
    )
    (dlg,) = [t for t in set(QApplication.topLevelWidgets()) - before if t.isVisible()]
    dlg.activateWindow()
    dlg.setFocus()
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=WAIT)
    # The curator's next key comes a moment later; before the fix the focus never came back.
    view = w.collection.active_view()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view, timeout=3000)
    row = w.collection.current_row()
    press(qtbot, Qt.Key.Key_J)
    assert w.collection.current_row() == row + 1


def test_labels_show_no_literal_ampersands(app_on_first_row: Any) -> None:
    w = app_on_first_row.window
    dialogs = [w.open_import(), w.open_export()]
    for top in [w, *dialogs]:
        for label in top.findChildren(QLabel):
            # A buddy-less label shows '&' literally; with a buddy it is a mnemonic.
            if "&" in label.text() and label.buddy() is None and "&amp;" not in label.text():
                raise AssertionError(f"literal ampersand in {label.text()!r}")
    for d in dialogs:
        d.close()


def test_help_lists_each_key_once(app_on_first_row: Any) -> None:
    sheet = app_on_first_row.window.open_shortcuts()
    rows = sheet.rows()
    assert rows["Quit"] == QKeySequence("Ctrl+Q").toString(QKeySequence.SequenceFormat.NativeText)
    sheet.dismiss()


def test_the_export_dialog_reports_in_words(
    app_on_first_row: Any, qtbot: Any, tmp_path: Path
) -> None:
    dlg = app_on_first_row.window.open_export(str(tmp_path / "out.csv"))
    with qtbot.waitSignal(dlg.finished_job, timeout=WAIT):
        dlg.start_button.click()
    text = dlg.report.toPlainText()
    assert "ExportReport" not in text and "PosixPath" not in text, text
    assert (
        text == f"Exported 14 assets ({dlg.job_result.columns} columns) to\n{tmp_path / 'out.csv'}"
    )
    dlg.close()
