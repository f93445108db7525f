"""Session restore: filter, sort and current asset per catalogue; panes and theme per user."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, fields, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, QTimer
from PySide6.QtWidgets import QComboBox, QSplitter, QWidget

from heritage_desk.core.model import Field
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.gui.collection_view import (
    POSSIBLE_MISTAKE,
    UNKNOWN_PAINTER,
    CollectionView,
    FilterBar,
)
from heritage_desk.workers import operations

if TYPE_CHECKING:
    from heritage_desk.gui.review import ReviewController

log = logging.getLogger(__name__)

#: What a saved query may hold (paging is the view's business).
_SAVED = [f.name for f in fields(AssetQuery) if f.name not in ("offset", "limit")]


def query_to_json(q: AssetQuery) -> str:
    """A query as one JSON line for QSettings."""
    d = {k: v for k, v in asdict(q).items() if k in _SAVED}
    d["sort"] = str(q.sort)
    return json.dumps(d, sort_keys=True)


def query_from_json(text: str) -> AssetQuery | None:
    """The query saved by `query_to_json`; None for anything else (a hand-edited file)."""
    try:
        d = json.loads(text)
        if not isinstance(d, dict):
            return None
        kept: dict[str, Any] = {k: v for k, v in d.items() if k in _SAVED}
        if "sort" in kept:
            kept["sort"] = Sort(kept["sort"])
        return AssetQuery(**kept)
    except (ValueError, TypeError) as exc:
        log.info("saved filter ignored: %s", exc)
        return None


def _select_data(combo: QComboBox, value: object) -> bool:
    for i in range(combo.count()):
        if combo.itemData(i) == value:
            combo.setCurrentIndex(i)
            return True
    return False


def set_filter_controls(bar: FilterBar, q: AssetQuery) -> bool:
    """Show `q` in the filter bar without running it; False when its sort has no entry there."""
    combos = {Field.ARTIST: q.artist, Field.GENRE: q.genre, Field.STYLE: q.style,
              Field.MEDIUM: q.medium}  # fmt: skip
    widgets = [bar.search, *bar.toggles, bar.reviewed, bar.sort, *bar.combos.values()]
    for w in widgets:
        w.blockSignals(True)
    try:
        bar.search.setText(q.text or "")
        bar.missing_artist.setChecked(q.missing_artist is True)
        bar.missing_date.setChecked(q.missing_date is True)
        bar.has_suggestions.setChecked(q.has_suggestions is True)
        bar.flagged.setChecked(q.flagged is True)
        if q.unknown_painter or q.possible_mistake:
            entry = UNKNOWN_PAINTER if q.unknown_painter else POSSIBLE_MISTAKE
            _select_data(bar.combos[Field.ARTIST], entry)
        _select_data(bar.reviewed, q.reviewed)
        for f, value in combos.items():
            combo = bar.combos[f]
            # The vocabulary arrives later and keeps this choice if the value still exists.
            if value and not _select_data(combo, value):
                combo.addItem(value, value)
                combo.setCurrentIndex(combo.count() - 1)
        return _select_data(bar.sort, (q.sort, q.descending))
    finally:
        for w in widgets:
            w.blockSignals(False)


class Session(QObject):
    """Saves and restores what a curator expects to find again when the window reopens."""

    def __init__(self, location: str, collection: CollectionView, review: ReviewController,
                 splitters: dict[str, QSplitter]) -> None:  # fmt: skip
        super().__init__(collection)
        self.collection = collection
        self.review = review
        self.splitters = splitters
        digest = hashlib.sha256(location.encode("utf-8")).hexdigest()[:16]
        self.prefix = f"session/{digest}"
        self._restore_current: int | None = None
        self._window: QWidget | None = None

    # -- layout -----------------------------------------------------------------------------------

    def restore_layout(self, window: QWidget) -> None:
        """The panes' sizes as the curator left them, once `window` is shown at its size."""
        # Before the first show the splitters are not at their final width yet, and a state
        # restored then is redistributed when they get it.
        self._window = window
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._window is not None and watched is self._window:
            if event.type() != QEvent.Type.Show:
                return False
            self._window.removeEventFilter(self)
            QTimer.singleShot(0, self, self._apply_layout)
        return False

    def _apply_layout(self) -> None:
        q = QSettings()
        for name, splitter in self.splitters.items():
            state = q.value(f"layout/{name}")
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)

    # -- filter, sort, current asset --------------------------------------------------------------

    def start(self) -> None:
        """Run the saved query (or the filter bar's) and go back to the saved asset."""
        s = QSettings()
        text = str(s.value(f"{self.prefix}/query", ""))
        saved = query_from_json(text) if text else None
        bar = self.collection.filters
        query = bar.query()
        if saved is not None:
            if not set_filter_controls(bar, saved):
                log.info("saved sort %s is not in the sort menu: applied as is", saved.sort)
            query = replace(bar.query(), sort=saved.sort, descending=saved.descending)
        try:
            current = int(str(s.value(f"{self.prefix}/current", "")))
        except ValueError:
            current = None
        self._restore_current = current
        if current is not None:
            self.collection.model.loaded.connect(self._go_to_saved)
        self.collection.apply_query(query)

    def _go_to_saved(self, _count: int) -> None:
        self.collection.model.loaded.disconnect(self._go_to_saved)
        aid, self._restore_current = self._restore_current, None
        if aid is None:
            return
        row = self.collection.model.row_of(aid)
        if row is not None:
            self.collection.set_current_row(row)
            return
        operations.position(self.collection.model.query, aid).success(self._go_to_row).run()

    def _go_to_row(self, row: int | None) -> None:
        if row is not None:
            self.collection.set_current_row(row)

    def save(self) -> None:
        """Filter, sort, current asset and pane sizes into QSettings."""
        s = QSettings()
        s.setValue(f"{self.prefix}/query", query_to_json(self.collection.model.query))
        if self.review.current_id is not None:
            s.setValue(f"{self.prefix}/current", self.review.current_id)
        else:
            s.remove(f"{self.prefix}/current")
        for name, splitter in self.splitters.items():
            s.setValue(f"layout/{name}", splitter.saveState())


def dark_theme_saved() -> bool:
    """Whether the curator chose the dark-grey theme."""
    return str(QSettings().value("view/dark_theme", "false")).lower() == "true"


def save_dark_theme(on: bool) -> None:
    QSettings().setValue("view/dark_theme", bool(on))
