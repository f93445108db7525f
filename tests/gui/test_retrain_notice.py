"""A notification when a background retrain ends (issue 12): a toast in the window's corner and
the status bar say which model is active now and how its figures compare with the one before
(the model panel's words), without a blocking message box; a click opens the model panel."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from heritage_desk.core.model_figures import figure_text
from heritage_desk.gui.model_panel import ModelPanel

pytestmark = [pytest.mark.gui, pytest.mark.slow]
WAIT = 120_000


def test_a_finished_retrain_says_what_changed_in_a_toast(
    app_after_background_pass: Any, qtbot: Any
) -> None:
    app = app_after_background_pass
    w = app.window
    toast = w.retrain_notice.toast
    assert not toast.isVisible()
    with qtbot.waitSignal(app.retrain.finished, timeout=WAIT) as done:
        assert app.retrain.start()
    result = done.args[0]
    text = toast.body.text()
    assert toast.isVisible() and toast.timer.isActive()
    assert result.version.version in text
    assert ("is now the active model" in text) == (result.status == "activated")
    if result.baseline:  # the figures of both models on the same held-out works
        decade = f"decade {figure_text('decade_acc', result.metrics['decade_acc'])} vs "
        assert decade in text and "of this catalogue" in text
    assert w.statusBar().currentMessage() == text
    assert not [x for x in w.findChildren(QMessageBox) if x.isVisible()]  # nothing blocks
    # Inside the window, above the status bar, in its bottom-right corner.
    g = toast.geometry()
    assert g.right() < w.width() and g.bottom() < w.height() - w.statusBar().height()
    # A click opens the model panel; left alone, the timer hides it.
    qtbot.mouseClick(toast, Qt.MouseButton.LeftButton)
    assert not toast.isVisible()
    panels = [p for p in w.findChildren(ModelPanel) if p.isVisible()]
    assert len(panels) == 1
    panels[0].close()
    w.retrain_notice.notify("t", "again")
    toast.timer.timeout.emit()
    assert not toast.isVisible()
