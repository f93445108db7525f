"""File ▸ Open / New / Recent: close this catalogue's desk and open another in its place."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox

from heritage_desk.core.redact import redact
from heritage_desk.gui.catalogue_menu import remember
from heritage_desk.storage.errors import CatalogueError

log = logging.getLogger(__name__)


class CatalogueSwitcher:
    """Holds the open DeskApp; `switch(location)` opens the next one first, then closes it.

    Opening first keeps the event loop running (a window stays visible) and, when the new
    location cannot be opened (a wrong password, a file that is not a catalogue), the curator
    keeps the open catalogue and reads one masked line saying why.
    """

    def __init__(self, desk: Any, open_desk: Callable[[str], Any]) -> None:
        self.desk = desk
        self._open = open_desk
        self._wire(desk)

    def _wire(self, desk: Any) -> None:
        desk.window.switch_requested.connect(self.switch)
        remember(desk.desk.location)  # the masked location: no password reaches QSettings

    def switch(self, location: str) -> None:
        old = self.desk
        try:
            new = self._open(location)
        except CatalogueError as exc:
            log.error("cannot open %s: %s", location, exc)
            QMessageBox.warning(old.window, "Open catalogue", redact(str(exc)))
            return
        geometry = old.window.saveGeometry()
        new.window.restoreGeometry(geometry)
        new.window.show()
        new.start()
        self.desk = new
        self._wire(new)
        log.info("switched to %s", new.desk.location)
        old.close()
