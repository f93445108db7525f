"""Flag for an expert: a note on the asset under review, then on to the next one (skip)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.model import Field
from heritage_desk.workers import operations

if TYPE_CHECKING:
    from heritage_desk.gui.review import ReviewController


class FlagDialog(QDialog):
    """The note for the expert; 'Remove flag' when the asset is flagged already."""

    #: The curator's note (flag, or flag again with a new note).
    flag_requested = Signal(str)
    unflag_requested = Signal()

    def __init__(self, title: str, note: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Flag for an expert — {title}")
        lay = QVBoxLayout(self)
        lay.addWidget(
            QLabel(
                "What should the expert look at? The note is kept in the catalogue, shown in the "
                "history and written in the export (flag_note); <i>Flagged</i> filters for it."
            )
        )
        self.note = QPlainTextEdit(note or "")
        self.note.setPlaceholderText("e.g. signature bottom left looks like Sisley, not Monet")
        self.note.setTabChangesFocus(True)
        lay.addWidget(self.note, 1)
        std = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(std.Ok | std.Cancel)
        ok = self.buttons.button(std.Ok)
        assert ok is not None
        ok.setText("Flag and go on" if note is None else "Keep flagged with this note")
        self.remove = QPushButton("Remove flag")
        self.buttons.addButton(self.remove, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.remove.setVisible(note is not None)  # after addButton, which shows it
        self.buttons.accepted.connect(self._flag)
        self.buttons.rejected.connect(self.reject)
        self.remove.clicked.connect(self._unflag)
        lay.addWidget(self.buttons)
        self.resize(520, 260)
        self.note.setFocus(Qt.FocusReason.OtherFocusReason)

    def _flag(self) -> None:
        self.flag_requested.emit(self.note.toPlainText())
        self.accept()

    def _unflag(self) -> None:
        self.unflag_requested.emit()
        self.accept()


def open_flag_dialog(review: ReviewController, parent: QWidget) -> FlagDialog | None:
    """Ask for the note of the asset under review; flagging moves on to the next asset."""
    d = review.detail
    if d is None:
        return None
    aid, who = d.asset.id, review.reviewer
    current = d.asset.fields.get(Field.FLAG)
    dlg = FlagDialog(d.asset.title or f"asset #{aid}", current.value if current else None, parent)

    def flag(note: str) -> None:
        shown = f": {note.strip()}" if note.strip() else ""
        review.run_decision(
            f"Flagged for an expert{shown}",
            operations.flag(aid, note, who, initiator=review),
            advance=True,
        )

    def unflag() -> None:
        review.run_decision("Flag removed", operations.unflag(aid, who, initiator=review))

    dlg.flag_requested.connect(flag)
    dlg.unflag_requested.connect(unflag)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dlg.open()
    return dlg
