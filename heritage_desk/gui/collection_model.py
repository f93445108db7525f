"""One virtualised table model for the grid and the table: pages fetched lazily off-thread."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtCore import Signal as QtSignal
from PySide6.QtGui import QColor

from heritage_desk.core.model import Changes, Field, FieldValue, Provenance, needs_value
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.core.views import Row
from heritage_desk.gui.suggestions_panel import date_text
from heritage_desk.workers import operations
from heritage_desk.workers.thumbnails import ThumbnailLoader

log = logging.getLogger(__name__)

PAGE = 200
#: Changes touching more assets than this reload the whole view instead of rows.
ROW_REFRESH_LIMIT = 64
#: Role of the row's `Row` object.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1
THUMB = 144

_Index = QModelIndex | QPersistentModelIndex


#: (header, SQL sort or None, what the cell shows); review columns first.
COLUMNS: list[tuple[str, Sort | None, str]] = [
    ("Title", Sort.TITLE, "title"),
    ("Artist", Sort.ARTIST, "artist"),
    ("Suggested artist", None, "suggested"),
    ("Confidence", Sort.CONFIDENCE, "confidence"),
    ("Date", None, "date"),
    ("Medium", None, "medium"),
    ("Genre", None, "genre"),
    ("Style", None, "style"),
    ("Inventory no.", None, "inventory"),
    ("Suggested date", None, "suggested_date"),
    ("Artist from", None, "artist_source"),
    ("Date from", None, "date_source"),
    ("Flag note", None, "flag"),
]
#: Columns the table hides until the curator picks them (View ▸ Table columns).
HIDDEN_BY_DEFAULT = frozenset({"artist_source", "date_source", "flag"})
_FIELD_OF = {"artist": Field.ARTIST, "date": Field.DATE}


class CollectionModel(QAbstractTableModel):
    """Rows of the current AssetQuery; unknown pages show placeholders until they arrive."""

    #: The query's row count is known (after set_query).
    loaded = QtSignal(int)
    #: A page arrived (page number).
    page_loaded = QtSignal(int)
    #: A shown row was refreshed in place (the old Row, the new Row).
    row_replaced = QtSignal(object, object)

    def __init__(self, thumbnails: ThumbnailLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.query = AssetQuery()
        self._count = 0
        self._generation = 0
        self._pages: dict[int, list[Row]] = {}
        self._requested: set[int] = set()
        self._key_rows: dict[str, set[int]] = {}
        self._id_rows: dict[int, int] = {}
        #: The size of a grid cell (set by the grid view), so rows never need measuring.
        self.grid_hint: QSize | None = None
        thumbnails.ready.connect(self._on_thumbnail)

    # -- query ----------------------------------------------------------------------------------

    def set_query(self, query: AssetQuery) -> None:
        """Show the assets of `query`: the count and first page come in one op."""
        self.query = query
        self._generation += 1
        gen = self._generation
        operations.page(query.page(0, PAGE), key="collection:reset").success(
            lambda p: self._on_reset(gen, p.count, p.rows)
        ).run()

    def reload(self) -> None:
        """Run the current query again."""
        self.set_query(self.query)

    def _on_reset(self, gen: int, count: int, first: list[Row]) -> None:
        if gen != self._generation:
            return
        self.thumbnails.discard_pending()
        self.beginResetModel()
        self._count = count
        self._pages = {0: first}
        self._requested = {0}
        self._key_rows.clear()
        self._id_rows = {r.asset.id: i for i, r in enumerate(first)}
        self.endResetModel()
        self.loaded.emit(count)

    def _request_page(self, page: int) -> None:
        if page in self._requested:
            return
        self._requested.add(page)
        gen = self._generation
        q = self.query.page(page * PAGE, PAGE)
        operations.rows(q).success(lambda rows: self._on_page(gen, page, rows)).run()

    def _on_page(self, gen: int, page: int, rows: list[Row]) -> None:
        if gen != self._generation:
            return
        self._pages[page] = rows
        base = page * PAGE
        for i, r in enumerate(rows):
            self._id_rows[r.asset.id] = base + i
        if rows:
            last = min(base + len(rows), self._count) - 1
            self.dataChanged.emit(self.index(base, 0), self.index(last, len(COLUMNS) - 1))
        self.page_loaded.emit(page)

    # -- rows -------------------------------------------------------------------------------------

    def row_data(self, row: int, fetch: bool = True) -> Row | None:
        """The Row at `row` if its page is loaded (otherwise the page is requested)."""
        if row < 0 or row >= self._count:
            return None
        page, off = divmod(row, PAGE)
        rows = self._pages.get(page)
        if rows is None:
            if fetch:
                self._request_page(page)
            return None
        return rows[off] if off < len(rows) else None

    def row_of(self, asset_id: int) -> int | None:
        """The row showing `asset_id`, if it is in a loaded page."""
        return self._id_rows.get(asset_id)

    def is_loaded(self, row: int) -> bool:
        """Whether the page holding `row` has arrived."""
        return row // PAGE in self._pages

    def on_changes(self, changes: Changes, _initiator: object = None) -> None:
        """Refresh what `changes` touched: rows in place, or the whole query when much changed."""
        if not (changes.fields or changes.suggestions or changes.assets or changes.model):
            return
        ids = [i for i in changes.asset_ids if i in self._id_rows]
        if changes.assets or changes.model or len(changes.asset_ids) > ROW_REFRESH_LIMIT:
            self.reload()  # rows may have come or gone; keep the view's position by query
            return
        if not changes.asset_ids and (changes.fields or changes.suggestions):
            self.reload()
            return
        if not ids:
            return
        gen = self._generation
        operations.rows_by_id(ids).success(lambda rows: self._on_rows(gen, rows)).run()

    def _on_rows(self, gen: int, rows: list[Row]) -> None:
        if gen != self._generation:
            return
        for row in rows:
            self._on_row(row)

    def _on_row(self, row: Row) -> None:
        i = self._id_rows.get(row.asset.id)
        if i is None:
            return
        page, off = divmod(i, PAGE)
        rows = self._pages.get(page)
        if rows is None or off >= len(rows):
            return
        old, rows[off] = rows[off], row
        self.row_replaced.emit(old, row)
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    # -- Qt model API -----------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][0]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in SQL by the column's key, when it has one."""
        key = COLUMNS[column][1]  # (header, sort, what)
        if key is None:
            return
        desc = order == Qt.SortOrder.DescendingOrder
        self.set_query(AssetQuery(**{**self.query.__dict__, "sort": key, "descending": desc}))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.SizeHintRole:  # uniform cells: never fetch a page to lay out
            return self.grid_hint if index.column() == 0 else None
        r = self.row_data(index.row())
        col = index.column()
        if r is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return "…"
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == ROW_ROLE:
            return r
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            a = r.asset
            pm = self.thumbnails.pixmap(a.image_path, a.checksum, THUMB)
            if pm is None:
                key = ThumbnailLoader.key(a.checksum, a.image_path, THUMB)
                self._key_rows.setdefault(key, set()).add(index.row())
            return pm
        if role == Qt.ItemDataRole.ToolTipRole and col == 0:
            return f"{r.asset.title or '(untitled)'}\n{r.asset.image_path}"
        field = _FIELD_OF.get(COLUMNS[col][2])
        if role == Qt.ItemDataRole.ForegroundRole and field and r.asset.value(field) is None:
            return QColor("#b06000")  # unknown: still to review
        return None

    def _display(self, r: Row, col: int) -> str:
        a, what = r.asset, COLUMNS[col][2]
        if what == "title":
            return a.title or "(untitled)"
        if what in ("artist", "date"):
            return a.value(_FIELD_OF[what]) or "—"
        if what in ("genre", "style", "medium"):
            return a.value(Field(what)) or ""
        if what == "inventory":
            return a.inventory_number or ""
        if what in ("artist_source", "date_source"):
            return _source(a.fields.get(_FIELD_OF[what.removesuffix("_source")]))
        if what == "flag":
            return a.value(Field.FLAG) or ""
        if what == "suggested_date":
            return date_text(r.date) if r.date is not None and needs_value(a, Field.DATE) else ""
        pending = r.artist is not None and needs_value(a, Field.ARTIST)
        if what == "suggested":
            return r.artist.value if pending and r.artist else ""
        if what == "confidence":
            return f"{r.artist.probability:.0%}" if pending and r.artist else ""
        return ""

    def _on_thumbnail(self, key: str) -> None:
        for row in self._key_rows.pop(key, ()):
            if row < self._count:
                idx = self.index(row, 0)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])


def _source(fv: FieldValue | None) -> str:
    """Where a value came from: 'imported', 'curator (ana)', or the suggestion it was accepted
    from ("artist suggestion 1 of model m-3 (Claude Monet, 81%)")."""
    if fv is None:
        return ""
    if fv.provenance is Provenance.SUGGESTION:
        return fv.origin or f"suggestion of model {fv.model_version or '?'}"
    who = f" ({fv.reviewer})" if fv.reviewer else ""
    return f"{fv.provenance.value}{who}"
