"""Named undo ("Undo accept Claude Monet" in the Edit menu) and the undo history list: the
catalogue's undo stack of this reviewer, newest first; clicking an entry undoes down to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.model import Changes
from heritage_desk.core.undo_steps import Undone, UndoState, UndoStep
from heritage_desk.workers import operations

if TYPE_CHECKING:
    from heritage_desk.gui.review import ReviewController
    from heritage_desk.workers.ops import DbExecutor

#: How many steps the history list shows.
DEPTH = 50
STEP_ROLE = Qt.ItemDataRole.UserRole + 1


def step_text(s: UndoStep) -> str:
    """One line of the history list: what, on which work, when."""
    on = f" — {s.title}" if s.title else ""
    return f"{s.label}{on}   ({s.at.astimezone().strftime('%H:%M:%S')})"


class UndoMenu(QObject):
    """Keeps the Edit menu's Undo and Redo named after the steps they would reverse."""

    def __init__(
        self,
        review: ReviewController,
        undo: QAction,
        redo: QAction,
        executor: DbExecutor,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.review = review
        self.undo, self.redo = undo, redo
        self.state = UndoState()
        self._from_undo: Changes | None = None
        review.undone.connect(self._on_undone)
        executor.changes.connect(self._on_changes)
        self.refresh(redo=True)

    def refresh(self, redo: bool = True) -> None:
        """Ask for the stacks' tops (redo=False: the one indexed query, after a new decision)."""
        operations.undo_state(self.review.reviewer, 1, redo).success(self.show_state).run()

    def show_state(self, state: UndoState) -> None:
        self.state = state
        u = state.undo[0] if state.undo else None
        r = state.redo[0] if state.redo else None
        self.undo.setText(f"&Undo {u.label}" if u else "&Undo")
        self.redo.setText(f"&Redo {r.label}" if r else "&Redo")
        self.undo.setToolTip(f"Undo {u.label}" if u else "Nothing to undo")
        self.redo.setToolTip(f"Redo {r.label}" if r else "Nothing to redo")

    def _on_undone(self, undone: Undone) -> None:
        self._from_undo = undone.changes
        self.show_state(undone.state)

    def _on_changes(self, changes: Changes, initiator: object) -> None:
        # This reviewer's own new decision (ops started by the window, never another curator's
        # seen by the team watch): the redo stack is empty now, the undo top one query away.
        if changes is self._from_undo or not changes.decisions or initiator is None:
            return
        self.refresh(redo=False)


class UndoHistoryDialog(QDialog):
    """This reviewer's undo stack, newest first; double-click (or Undo to here) undoes down to
    and including that step, each one still redoable on its own."""

    def __init__(self, review: ReviewController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review = review
        self.setWindowTitle(f"Undo history — {review.reviewer}")
        self.state: UndoState | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Newest first. Double-click a step to undo it and every step above."))
        self.list = QListWidget()
        self.list.itemActivated.connect(self._undo_item)
        lay.addWidget(self.list, 1)
        self.redo_label = QLabel()
        self.redo_label.setWordWrap(True)
        self.redo_label.setStyleSheet("color:#777")
        lay.addWidget(self.redo_label)
        self.undo_button = QPushButton("Undo to here")
        self.undo_button.clicked.connect(lambda: self._undo_item(self.list.currentItem()))
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.addButton(self.undo_button, QDialogButtonBox.ButtonRole.ActionRole)
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self.resize(560, 460)
        review.undone.connect(self._on_undone)  # a bound method: dropped with the dialog
        self.refresh()

    def _on_undone(self, _undone: object) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Read the stacks off the GUI thread."""
        operations.undo_state(self.review.reviewer, DEPTH, True).success(self.set_state).run()

    def set_state(self, state: UndoState) -> None:
        self.state = state
        self.list.clear()
        for s in state.undo:
            item = QListWidgetItem(step_text(s))
            item.setData(STEP_ROLE, s.step)
            self.list.addItem(item)
        if not state.undo:
            self.list.addItem(QListWidgetItem("Nothing to undo"))
        redo = "; ".join(s.label for s in state.redo[:5])
        self.redo_label.setText(f"Redo (Ctrl+Shift+Z) would: {redo}" if redo else "")
        self.undo_button.setEnabled(bool(state.undo))
        if state.undo:
            self.list.setCurrentRow(0)

    def _undo_item(self, item: Any) -> None:
        step = item.data(STEP_ROLE) if item is not None else None
        if step:
            self.review.undo_to(str(step))
