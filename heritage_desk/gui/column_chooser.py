"""The table's column chooser: which columns show (suggested date, where a value came from,
inventory number, flag note...), from the header's context menu or View ▸ Table columns;
the choice is kept in QSettings by column name, so new columns never shift it."""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTableView

from heritage_desk.gui.collection_model import COLUMNS, HIDDEN_BY_DEFAULT

#: QSettings key: the names of the hidden columns.
SETTING = "table/hidden_columns"
#: The column that always shows (the row needs a handle).
ALWAYS = "title"


class ColumnChooser(QObject):
    """Shows and hides the table's columns; remembers the choice."""

    def __init__(self, table: QTableView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.menu = QMenu("Table &columns")
        self.actions: dict[str, QAction] = {}
        for col, (header, _sort, what) in enumerate(COLUMNS):
            a = QAction(header, self.menu)
            a.setCheckable(True)
            a.setEnabled(what != ALWAYS)
            a.toggled.connect(lambda on, col=col: self._set_shown(col, on))
            self.menu.addAction(a)
            self.actions[what] = a
        head = table.horizontalHeader()
        head.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        head.customContextMenuRequested.connect(self._menu_at)
        self.restore()

    def hidden(self) -> set[str]:
        """The names of the columns the table hides now."""
        return {what for col, (_, _, what) in enumerate(COLUMNS) if self.table.isColumnHidden(col)}

    def restore(self) -> None:
        """Apply the saved choice (the defaults before any)."""
        saved = QSettings().value(SETTING)
        # One string ("a|b", "" for none hidden): a list comes back from INI files as None
        # when empty and as a str with one item.
        hidden = (
            set(HIDDEN_BY_DEFAULT) if saved is None else set(filter(None, str(saved).split("|")))
        )
        for what, a in self.actions.items():
            a.blockSignals(True)  # restoring is no new choice to save
            a.setChecked(what not in hidden or what == ALWAYS)
            a.blockSignals(False)
            self._set_shown(self._column(what), a.isChecked(), save=False)

    def set_shown(self, what: str, shown: bool) -> None:
        """Show or hide the column named `what` (its menu entry follows)."""
        self.actions[what].setChecked(shown)

    def _column(self, what: str) -> int:
        return next(i for i, c in enumerate(COLUMNS) if c[2] == what)

    def _set_shown(self, col: int, shown: bool, save: bool = True) -> None:
        self.table.setColumnHidden(col, not shown)
        if save:
            QSettings().setValue(SETTING, "|".join(sorted(self.hidden())))

    def _menu_at(self, pos: QPoint) -> None:
        self.menu.popup(self.table.horizontalHeader().mapToGlobal(pos))
