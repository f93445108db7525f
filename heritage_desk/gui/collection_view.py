"""The collection: a filter bar over a grid and a table that share one model."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.model import DOUBT_BELOW, Field
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.gui.collection_model import THUMB, CollectionModel
from heritage_desk.gui.column_chooser import ColumnChooser

SORTS = [
    ("Catalogue order", Sort.ID, False),
    ("Least confident first", Sort.UNCERTAINTY, False),
    ("Most confident first", Sort.CONFIDENCE, False),
    ("Title", Sort.TITLE, False),
    ("Artist", Sort.ARTIST, False),
    ("Most doubted artist first", Sort.DOUBT, False),  # possible mistakes (issue 17)
]
REVIEWED = [("Any status", None), ("Unreviewed", False), ("Reviewed", True)]
VOCAB_FIELDS = (Field.ARTIST, Field.GENRE, Field.STYLE, Field.MEDIUM)
#: The artist combo's entries that are not a painter: what the model thinks of the artist.
UNKNOWN_PAINTER = "\x00unknown painter"
POSSIBLE_MISTAKE = "\x00possible mistake"
_MODEL_ENTRIES = (
    ("Unknown painter (likely)", UNKNOWN_PAINTER,
     "The artist is missing and “none of the painters I know” leads its suggestions"),
    ("Possible mistake", POSSIBLE_MISTAKE,
     f"The recorded artist is one the model gives less than {DOUBT_BELOW:.0%}: re-check it"),
)  # fmt: skip


def _first_entries(combo: QComboBox, f: Field) -> None:
    """ "Any <field>", and for the artist the model's unknown painters and possible mistakes."""
    combo.addItem(f"Any {f.value}", None)
    if f is Field.ARTIST:
        for label, data, tip in _MODEL_ENTRIES:
            combo.addItem(label, data)
            combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)


class SmallIconDelegate(QStyledItemDelegate):
    """The table shows the grid's thumbnail as a small icon (a QPixmap is drawn at its size)."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        pm = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pm, QPixmap):
            option.icon = QIcon(pm)
            option.decorationSize = QSize(20, 20)


class FilterBar(QWidget):
    """Search, missing/has/reviewed filters, vocabulary combos and the sort order."""

    changed = Signal(object)  # AssetQuery

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title, inventory no., artist  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.missing_artist = QCheckBox("Missing artist")
        self.missing_date = QCheckBox("Missing year")
        self.has_suggestions = QCheckBox("Has suggestions")
        self.flagged = QCheckBox("Flagged")
        self.flagged.setToolTip("Flagged for an expert (Review ▸ Flag for an expert, !)")
        self.toggles = (self.missing_artist, self.missing_date, self.has_suggestions, self.flagged)
        self.reviewed = QComboBox()
        for label, value in REVIEWED:
            self.reviewed.addItem(label, value)
        self.combos: dict[Field, QComboBox] = {}
        for f in VOCAB_FIELDS:
            c = QComboBox()
            _first_entries(c, f)
            c.setMinimumContentsLength(6)
            c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            self.combos[f] = c
        self.sort = QComboBox()
        for label, key, desc in SORTS:
            self.sort.addItem(label, (key, desc))
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 3)
        top.addWidget(self.reviewed)  # up here, so the panes fit a 1280-px window (issue 12)
        top.addWidget(QLabel("Sort:"))
        top.addWidget(self.sort, 1)
        second = QHBoxLayout()
        second.setContentsMargins(0, 0, 0, 0)
        for w in self.toggles:
            second.addWidget(w)
        second.addStretch(1)
        third = QHBoxLayout()
        third.setContentsMargins(0, 0, 0, 0)
        for c in self.combos.values():
            third.addWidget(c, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.setSpacing(3)
        lay.addLayout(top)
        lay.addLayout(second)
        lay.addLayout(third)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.emit_query)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.emit_query)
        for cb in self.toggles:
            cb.toggled.connect(lambda _v: self.emit_query())
        for c in (self.reviewed, self.sort, *self.combos.values()):
            c.currentIndexChanged.connect(lambda _i: self.emit_query())

    def set_vocabulary(self, f: Field, values: list[str]) -> None:
        """Fill a combo with the catalogue's values of `f`, keeping the choice."""
        c = self.combos[f]
        current = c.currentData()
        c.blockSignals(True)
        c.clear()
        _first_entries(c, f)
        for v in values:
            c.addItem(v, v)
        c.setCurrentIndex(max(0, c.findData(current)) if current else 0)
        c.blockSignals(False)

    def query(self) -> AssetQuery:
        """The AssetQuery the controls describe."""
        key, desc = self.sort.currentData()
        artist = self.combos[Field.ARTIST].currentData()
        return AssetQuery(
            missing_artist=True if self.missing_artist.isChecked() else None,
            missing_date=True if self.missing_date.isChecked() else None,
            has_suggestions=True if self.has_suggestions.isChecked() else None,
            reviewed=self.reviewed.currentData(),
            flagged=True if self.flagged.isChecked() else None,
            unknown_painter=True if artist == UNKNOWN_PAINTER else None,
            possible_mistake=True if artist == POSSIBLE_MISTAKE else None,
            artist=None if artist in (UNKNOWN_PAINTER, POSSIBLE_MISTAKE) else artist,
            genre=self.combos[Field.GENRE].currentData(),
            style=self.combos[Field.STYLE].currentData(),
            medium=self.combos[Field.MEDIUM].currentData(),
            text=self.search.text().strip() or None,
            sort=key,
            descending=desc,
        )

    def emit_query(self) -> None:
        """Announce the current query now."""
        self._debounce.stop()
        self.changed.emit(self.query())


class CollectionView(QWidget):
    """The filter bar and a stacked grid/table on one CollectionModel."""

    current_changed = Signal(int)  # row, -1 for none

    def __init__(self, model: CollectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.filters = FilterBar()
        self.grid = QListView()
        self.grid.setObjectName("grid")
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 16, THUMB + 34))
        model.grid_hint = QSize(THUMB + 10, THUMB + 28)
        self.grid.setSpacing(4)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)  # no per-row sizeHint: 100k rows lay out instantly
        self.grid.setLayoutMode(QListView.LayoutMode.Batched)
        self.grid.setBatchSize(500)
        self.grid.setWordWrap(False)
        self.grid.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table = QTableView()
        self.table.setObjectName("table")
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicatorShown(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        for view in (self.grid, self.table):
            view.setModel(model)
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # One selection model for both views: switching keeps the current asset.
        self.table.setSelectionModel(self.grid.selectionModel())
        for col, width in enumerate((200, 140, 140, 80, 80, 130, 80, 80, 90)):
            self.table.setColumnWidth(col, width)
        self.table.setItemDelegateForColumn(0, SmallIconDelegate(self.table))
        self.columns = ColumnChooser(self.table, self)  # View ▸ Table columns, header menu
        self.stack = QStackedWidget()
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.table)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filters)
        lay.addWidget(self.stack, 1)
        self.selection = self.grid.selectionModel()
        self.selection.currentRowChanged.connect(self._on_current)
        model.modelReset.connect(self._after_reset)

    def show_grid(self, grid: bool = True) -> None:
        """Switch between thumbnails and the table."""
        self.stack.setCurrentWidget(self.grid if grid else self.table)
        view = self.active_view()
        idx = self.selection.currentIndex()
        if idx.isValid():
            view.scrollTo(idx)

    def is_grid(self) -> bool:
        return self.stack.currentWidget() is self.grid

    def active_view(self) -> QAbstractItemView:
        """The view on screen."""
        w = self.stack.currentWidget()
        assert isinstance(w, QAbstractItemView)
        return w

    def current_row(self) -> int:
        """The current row, -1 for none."""
        idx = self.selection.currentIndex()
        return idx.row() if idx.isValid() else -1

    def set_current_row(self, row: int) -> None:
        """Select `row` and scroll it into view."""
        if not 0 <= row < self.model.rowCount():
            return
        idx = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.selection.setCurrentIndex(idx, flags)
        self.active_view().scrollTo(idx)

    def step(self, step: int) -> None:
        """Go to the next (+1) or previous (-1) asset."""
        row = self.current_row()
        self.set_current_row(max(0, row + step) if row >= 0 else 0)

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_changed.emit(current.row() if current.isValid() else -1)

    def _after_reset(self) -> None:
        if self.model.rowCount():
            self.set_current_row(0)
        else:
            self.current_changed.emit(-1)

    def apply_query(self, q: AssetQuery) -> None:
        """Show `q`, keeping the model's sort when the filter bar did not set one."""
        self.model.set_query(replace(q, offset=0, limit=None))
