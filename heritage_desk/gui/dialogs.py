"""Small dialogs: About, an asset's history."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from heritage_desk import __version__
from heritage_desk.core.model import Decision


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().hide()
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            t.setItem(i, j, QTableWidgetItem(text))
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _buttons(dialog: QDialog, ok: bool = False) -> QDialogButtonBox:
    std = QDialogButtonBox.StandardButton
    box = QDialogButtonBox(std.Ok | std.Cancel if ok else std.Close)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class AboutDialog(QDialog):
    """Version, active model, licence and data credits."""

    def __init__(
        self,
        model_version: str | None,
        device: str,
        details: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("About heritage_desk")
        text = QLabel(
            f"<h2>heritage_desk {__version__}</h2>"
            "<p>Suggests missing artists and dates for museum painting collections, "
            "from the image and the known fields, with a local PyTorch model.</p>"
            f"<p>Active model: <b>{model_version or 'none'}</b> on {device}</p>"
            "<p>Licence: Apache-2.0. Demo images: Art Institute of Chicago, CC0. "
            "Method after Belhi, Bouras &amp; Foufou (Applied Sciences 2018).</p>"
            "<p>Built with Qt for Python (PySide6, LGPLv3), PyTorch, SQLAlchemy, Pillow.</p>"
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        self.details = QPlainTextEdit(details)  # versions and every bundled part's licence
        self.details.setReadOnly(True)
        self.details.setVisible(bool(details))
        lay.addWidget(self.details, 1)
        lay.addWidget(_buttons(self))
        self.resize(720, 520 if details else 300)


class HistoryDialog(QDialog):
    """An asset's decisions, newest first: who, when, what, from which model."""

    def __init__(self, title: str, decisions: Sequence[Decision], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"History — {title}")
        rows = [
            (
                d.at.strftime("%Y-%m-%d %H:%M:%S"),
                d.reviewer,
                d.field.value,
                d.action.value,
                d.old_value or "—",
                d.new_value or "—",
                d.model_version or "",
                f"{d.probability:.0%}" if d.probability is not None else "",
                d.origin or "",
            )
            for d in sorted(decisions, key=lambda d: (d.at, d.id), reverse=True)
        ]
        lay = QVBoxLayout(self)
        if not rows:
            lay.addWidget(QLabel("No decisions recorded for this asset yet."))
        headers = ["When", "Reviewer", "Field", "Action", "Old", "New", "Model", "p", "From"]
        self.table = _table(headers, rows)
        lay.addWidget(self.table)
        lay.addWidget(_buttons(self))
        self.resize(820, 380)
