"""Batch accept with a preview: every value it would write (thumbnail, value, probability), each
one untickable, and how many of the ticked ones to expect wrong at that threshold."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.batch import BatchItem, expected_wrong
from heritage_desk.core.model import Field, Suggestion
from heritage_desk.core.query import AssetQuery
from heritage_desk.gui.collection_model import THUMB
from heritage_desk.gui.suggestions_panel import date_text
from heritage_desk.workers import operations
from heritage_desk.workers.thumbnails import ThumbnailLoader

_Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Accept", "Title", "Field", "Value", "Probability")
#: Edge of the thumbnails in the list (drawn from the grid's cached ones).
ICON = 56


class BatchModel(QAbstractTableModel):
    """The previewed values, each with a tick (all ticked to begin with)."""

    ticks_changed = Signal()

    def __init__(self, thumbnails: ThumbnailLoader, parent: Any = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.items: list[BatchItem] = []
        self.ticked: list[bool] = []
        self._key_rows: dict[str, list[int]] = {}
        thumbnails.ready.connect(self._on_thumbnail)

    def set_items(self, items: list[BatchItem]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.ticked = [True] * len(items)
        self._key_rows = {}
        for i, it in enumerate(self.items):
            key = ThumbnailLoader.key(it.checksum, it.image_path, THUMB)
            self._key_rows.setdefault(key, []).append(i)
        self.endResetModel()
        self.ticks_changed.emit()

    def chosen(self) -> list[BatchItem]:
        """The ticked items, in list order."""
        return [it for it, t in zip(self.items, self.ticked, strict=True) if t]

    def set_all(self, ticked: bool) -> None:
        self.ticked = [ticked] * len(self.items)
        if self.items:
            top, bottom = self.index(0, 0), self.index(len(self.items) - 1, 0)
            self.dataChanged.emit(top, bottom, [Qt.ItemDataRole.CheckStateRole])
        self.ticks_changed.emit()

    def toggle(self, rows: list[int]) -> None:
        """Tick the rows if any is unticked, else untick them all (the space bar)."""
        value = not all(self.ticked[r] for r in rows)
        for r in rows:
            self.set_ticked(r, value)

    def set_ticked(self, row: int, ticked: bool) -> None:
        if 0 <= row < len(self.items) and self.ticked[row] != ticked:
            self.ticked[row] = ticked
            idx = self.index(row, 0)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.CheckStateRole])
            self.ticks_changed.emit()

    # -- Qt model API -----------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if index.column() == 0 else base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        it, col = self.items[index.row()], index.column()
        s = it.suggestion
        if col == 0 and role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if self.ticked[index.row()] else Qt.CheckState.Unchecked
        if col == 0 and role == Qt.ItemDataRole.DecorationRole:
            pm = self.thumbnails.pixmap(it.image_path, it.checksum, THUMB)
            return QIcon(pm) if pm is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            value = date_text(s) if s.field is Field.DATE else s.value
            return ("", it.title or f"asset #{it.asset_id}", s.field.value, value,
                    f"{s.probability:.0%}")[col]  # fmt: skip
        if role == Qt.ItemDataRole.ToolTipRole and col == 3:
            return f"{s.value}: {s.probability:.1%} (model {s.model_version})"
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != 0 or role != Qt.ItemDataRole.CheckStateRole:
            return False
        state = value if isinstance(value, Qt.CheckState) else Qt.CheckState(value)
        self.set_ticked(index.row(), state == Qt.CheckState.Checked)
        return True

    def _on_thumbnail(self, key: str) -> None:
        for row in self._key_rows.get(key, ()):
            idx = self.index(row, 0)
            self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


class BatchPreviewDialog(QDialog):
    """Accept the ticked values in the current filter at or above a probability (not modal)."""

    #: The (asset, suggestion) pairs to accept, once the curator confirms.
    chosen = Signal(object)

    def __init__(
        self,
        query: AssetQuery,
        threshold: float,
        thumbnails: ThumbnailLoader,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Batch accept")
        self.query = query
        self.loaded = False
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.05, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(threshold)
        self.field = QComboBox()
        self.field.addItem("Artist and date", None)
        self.field.addItem("Artist", Field.ARTIST)
        self.field.addItem("Date", Field.DATE)
        top = QHBoxLayout()
        top.addWidget(QLabel("Accept when probability ≥"))
        top.addWidget(self.threshold)
        top.addWidget(QLabel("Fields"))
        top.addWidget(self.field)
        top.addStretch(1)
        self.tick_all = QPushButton("Tick all")
        self.untick_all = QPushButton("Untick all")
        top.addWidget(self.tick_all)
        top.addWidget(self.untick_all)
        self.model = BatchModel(thumbnails, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setIconSize(QSize(ICON, ICON))
        self.table.verticalHeader().setDefaultSectionSize(ICON + 6)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, ICON + 44)
        self.summary = QLabel("Listing…")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        std = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(std.Ok | std.Cancel)
        ok = self.buttons.button(std.Ok)
        assert ok is not None
        self.ok = ok
        self.ok.setEnabled(False)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.summary)
        lay.addWidget(QLabel("<i>One undo (Ctrl+Z) reverts the whole batch.</i>"))
        lay.addWidget(self.buttons)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        self.tick_all.clicked.connect(lambda: self.model.set_all(True))
        self.untick_all.clicked.connect(lambda: self.model.set_all(False))
        self.model.ticks_changed.connect(self._update_summary)
        self.threshold.valueChanged.connect(self.refresh)
        self.field.currentIndexChanged.connect(self.refresh)
        self.resize(820, 620)
        self.refresh()

    @property
    def chosen_field(self) -> Field | None:
        data = self.field.currentData()  # Qt hands item data back as a plain str
        return Field(data) if data else None

    @property
    def count(self) -> int | None:
        """How many ticked values would be accepted (None while listing)."""
        return len(self.model.chosen()) if self.loaded else None

    def refresh(self) -> None:
        """List, off the GUI thread, what the current choices would accept."""
        self.loaded = False
        self.ok.setEnabled(False)
        self.summary.setText("Listing…")
        q, f, t = self.query, self.chosen_field, self.threshold.value()
        operations.batch_candidates(q, f, t, initiator=self).success(self._on_items).run()

    def _on_items(self, items: list[BatchItem]) -> None:
        self.loaded = True
        self.model.set_items(items)

    def _update_summary(self) -> None:
        if not self.loaded:
            return
        chosen = self.model.chosen()
        n, listed = len(chosen), len(self.model.items)
        self.ok.setEnabled(n > 0)
        self.ok.setText(f"Accept {n} value{'s' * (n != 1)}")
        if not listed:
            self.summary.setText(
                f"No suggestion in the current filter is at or above {self.threshold.value():.0%}."
            )
            return
        wrong = expected_wrong(chosen)
        self.summary.setText(
            f"<b>{n}</b> of {listed} value{'s' * (listed != 1)} ticked, at or above "
            f"{self.threshold.value():.0%}. Expected wrong: <b>about {wrong:.1f}</b> "
            f"(the sum of 1 − p over the ticked values: what their stated probabilities "
            f"promise, no more). <i>None of the painters I know</i> is never accepted by batch."
        )

    def keyPressEvent(self, ev: Any) -> None:
        if ev.key() == Qt.Key.Key_Space and self.table.hasFocus():
            rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
            if rows:
                self.model.toggle(rows)
                return
        super().keyPressEvent(ev)

    def items_to_accept(self) -> list[tuple[int, Suggestion]]:
        return [(it.asset_id, it.suggestion) for it in self.model.chosen()]

    def _confirm(self) -> None:
        self.chosen.emit(self.items_to_accept())
        self.accept()
