"""Small dialogs: keyboard shortcuts, About, an asset's history, batch accept with preview."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from heritage_desk import __version__
from heritage_desk.core.model import Decision, Field
from heritage_desk.core.query import AssetQuery
from heritage_desk.workers import operations


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


class ShortcutsDialog(QDialog):
    """Every menu action that has a shortcut, built from the actions themselves."""

    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = []
        for a in actions:
            keys = ", ".join(
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in a.shortcuts()
            )
            if keys:
                rows.append((a.text().replace("&", ""), keys))
        lay = QVBoxLayout(self)
        self.table = _table(["Action", "Keys"], rows)
        lay.addWidget(self.table)
        lay.addWidget(_buttons(self))
        self.resize(460, 560)


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


class BatchAcceptDialog(QDialog):
    """Accept every suggestion at or above a probability in the current filter, after a preview."""

    def __init__(
        self,
        query: AssetQuery,
        threshold: float,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Batch accept")
        self.query = query
        self._count: int | None = None
        form = QFormLayout(self)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.05, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(threshold)
        self.field = QComboBox()
        self.field.addItem("Artist and date", None)
        self.field.addItem("Artist", Field.ARTIST)
        self.field.addItem("Date", Field.DATE)
        self.preview_label = QLabel("Counting…")
        self.preview_label.setWordWrap(True)
        form.addRow("Accept when probability ≥", self.threshold)
        form.addRow("Fields", self.field)
        form.addRow(self.preview_label)
        form.addRow(QLabel("<i>One undo (Ctrl+Z) reverts the whole batch.</i>"))
        self.buttons = _buttons(self, ok=True)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Accept all")
        self.ok.setEnabled(False)
        form.addRow(self.buttons)
        self.threshold.valueChanged.connect(self.refresh)
        self.field.currentIndexChanged.connect(self.refresh)
        self.refresh()

    @property
    def chosen_field(self) -> Field | None:
        data = self.field.currentData()  # Qt hands item data back as a plain str
        return Field(data) if data else None

    @property
    def count(self) -> int | None:
        """The previewed number of suggestions that would be accepted (None while counting)."""
        return self._count

    def refresh(self) -> None:
        """Count, off the GUI thread, what the current choices would accept."""
        self._count = None
        self.ok.setEnabled(False)
        self.preview_label.setText("Counting…")
        q, f, t = self.query, self.chosen_field, self.threshold.value()
        operations.preview_batch(q, f, t, initiator=self).success(self._on_count).run()

    def _on_count(self, n: int) -> None:
        self._count = n
        self.ok.setEnabled(n > 0)
        self.preview_label.setText(
            f"<b>{n}</b> suggestion{'s' if n != 1 else ''} in the current filter "
            f"at or above {self.threshold.value():.0%} will be accepted."
        )
