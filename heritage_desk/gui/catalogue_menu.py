"""File ▸ Open / New / Open shared / Recent catalogues: pick a location, ask the app to switch.

The window only asks; the app closes this catalogue and opens the next (app.bootstrap).
Recent catalogues live in QSettings without any password (core.redact.without_password): a
PostgreSQL URL reopens with the password from PGPASSWORD or ~/.pgpass, or asks for it. A
password typed here stays in memory for this opening only.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMenu, QWidget

from heritage_desk.core.redact import with_password, without_password

RECENT_KEY = "catalogues/recent"
RECENT_MAX = 8
SQLITE_FILTER = "heritage_desk catalogues (*.sqlite *.db);;All files (*)"
#: The file name File ▸ New offers.
NEW_NAME = "collection.sqlite"


def recent_catalogues() -> list[str]:
    """The recent list, newest first (never holds a password)."""
    value = QSettings().value(RECENT_KEY, [])
    items: list[object] = (
        [value]
        if isinstance(value, str)
        else list(value or [])
        if isinstance(value, list | tuple)
        else []
    )
    return [without_password(str(v)) for v in items if str(v).strip()][:RECENT_MAX]


def remember(location: str) -> None:
    """Put `location` first in the recent list, its password removed."""
    safe = without_password(str(location))
    items = [safe, *(v for v in recent_catalogues() if v != safe)][:RECENT_MAX]
    QSettings().setValue(RECENT_KEY, items)


class CatalogueMenu:
    """The catalogue items of the File menu; `switch(location)` is the app's to implement."""

    def __init__(self, parent: QWidget, switch: Callable[[str], None]) -> None:
        self.parent = parent
        self.switch = switch
        self.recent = QMenu("&Recent catalogues", parent)
        self.recent.aboutToShow.connect(self.fill_recent)
        self.fill_recent()

    def fill_recent(self) -> None:
        self.recent.clear()
        items = recent_catalogues()
        for loc in items:
            self.recent.addAction(loc, partial(self.switch, loc))
        self.recent.setEnabled(bool(items))

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open catalogue", "", SQLITE_FILTER)
        if path:
            self.switch(path)

    def new_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.parent, "New catalogue", NEW_NAME, SQLITE_FILTER)
        if path:
            self.switch(path)

    def open_url(self) -> None:
        url, ok = QInputDialog.getText(
            self.parent,
            "Open shared catalogue",
            "PostgreSQL URL, e.g. postgresql+psycopg://curator@dbhost:5432/heritage\n"
            "(leave the password out: it is read from PGPASSWORD or ~/.pgpass, or asked next)",
        )
        url = url.strip()
        if not ok or not url:
            return
        password, ok = QInputDialog.getText(
            self.parent,
            "Password",
            "Password for this catalogue (not stored; empty: PGPASSWORD or ~/.pgpass)",
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        self.switch(with_password(url, password) if password else url)
