"""`--screenshot`: wait until the first item's suggestions are on screen, save a PNG, quit."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from heritage_desk.app.screenshot_views import SHOWS as VIEW_SHOWS
from heritage_desk.app.screenshot_views import ViewShots
from heritage_desk.core.model import UNKNOWN_ARTIST, Field, Suggestion
from heritage_desk.core.names import split_qualifier
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.gui.collection_view import POSSIBLE_MISTAKE, UNKNOWN_PAINTER
from heritage_desk.workers import operations

log = logging.getLogger(__name__)

#: `--show` views that step through the filter (J) to the first asset whose suggestions show a
#: case a curator must be able to read (issue 17): the artist as "attributed to X", "none of
#: the painters I know" leading with a wide date range, or a date suggested for a work whose
#: record names its painter (dated by that painter, not by the model's favourite).
FIND_CASES = {
    "qualified": lambda d: bool(s := _artists(d)) and split_qualifier(s[0].value)[0] is not None,
    "unknown": lambda d: bool(s := _artists(d)) and s[0].value == UNKNOWN_ARTIST,
    "dated-by-artist": lambda d: d.asset.value(Field.ARTIST) is not None and not _artists(d),
}
#: `--show batch`: the probability the batch-accept preview is shown at.
BATCH_THRESHOLD = 0.5
#: At most this many assets are stepped through before the window is saved as it is.
MAX_STEPS = 135


def _artists(d: Any) -> list[Suggestion]:
    return [s for s in d.suggestions if s.field is Field.ARTIST]


class Screenshot(QObject):
    """A small state machine driven by a timer: ready -> (review steps) -> settle -> save."""

    def __init__(self, desk: Any, out: Path, show: str, timeout: float) -> None:
        super().__init__(desk.window)
        self.desk = desk
        self.window = desk.window
        self.out = out
        self.show = show
        self.deadline = time.monotonic() + timeout
        self.status = 1
        self.step = "wait-suggestions"
        self.accepted = 0
        self.steps = 0
        self.panel: Any = None  # the ModelPanel, once open
        self.settle_until = 0.0
        self.views = ViewShots(desk, show)  # compare, loupe, badges
        self.timer = QTimer(self, interval=100)
        self.timer.timeout.connect(self.tick)

    def begin(self) -> None:
        self.timer.start()

    def _suggestions_shown(self) -> bool:
        d = self.window.review.detail
        return bool(d is not None and d.suggestions and self.window.suggestions.detail is d)

    def _idle(self) -> bool:
        idle: bool = self.desk.thumbnails.pending_count() == 0
        return idle and self.desk.previews.pending_count() == 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            log.error("screenshot: gave up waiting (%s)", self.step)
            self.save()  # a picture of what is there helps more than none
            self.status = 1
            self.finish()
            return
        if self.step == "wait-suggestions":
            d = self.window.review.detail
            filters = self.window.collection.filters
            missing = (
                filters.missing_date if self.show == "dated-by-artist" else filters.missing_artist
            )
            if (
                d is not None
                and not missing.isChecked()
                and all(d.asset.value(f) is not None for f in (Field.ARTIST, Field.DATE))
            ):
                missing.setChecked(True)  # show work to review, as a curator would
            if self._suggestions_shown():
                views = {"main": "settle", "review": "review", "model": "model", "batch": "batch",
                         "mistakes": "mistakes"}  # fmt: skip
                self.step = "views" if self.show in VIEW_SHOWS else views.get(self.show, "find")
                self.settle_until = time.monotonic() + 0.8
        elif self.step == "find":
            # After the background pass: the figures are then this catalogue's own, measured on
            # its embedded confirmed works, as a curator sees them once it has run.
            if not self._suggestions_shown() or not self.desk.background_done():
                return
            d = self.window.review.detail
            if FIND_CASES[self.show](d) or self.steps >= MAX_STEPS:
                if self.show == "unknown":  # and the filter that finds them all
                    combo = self.window.collection.filters.combos[Field.ARTIST]
                    combo.setCurrentIndex(combo.findData(UNKNOWN_PAINTER))
                self.step = "settle"
                self.settle_until = time.monotonic() + 0.8
            else:
                self.steps += 1
                self.window.actions_by_name["next"].trigger()
        elif self.step == "review":
            if self.accepted < 2 and self._suggestions_shown():
                self.window.actions_by_name["accept_both"].trigger()
                self.accepted += 1
            elif self.accepted >= 2 and self._suggestions_shown():
                # The table shows the accepted artists beside the ones still to review.
                self.window.actions_by_name["table"].trigger()
                self.window.actions_by_name["type"].trigger()
                self.step = "settle"
                self.settle_until = time.monotonic() + 0.8
        elif self.step == "views":
            if self.views.tick():
                self.step = "settle"
                self.settle_until = time.monotonic() + 1.0
        elif self.step == "model":
            # A curator's first pass: accept what the model is sure of, then look at the model.
            if self.desk.inference is not None and self.desk.background_done():
                who = self.window.settings.reviewer
                operations.batch_accept(AssetQuery(), None, 0.9, who).run()
                self.step = "open-model"
        elif self.step == "mistakes":
            # The recorded artists the pass doubts, most doubted first, the first one open.
            if self.desk.inference is None or self.desk.background_done():
                filters = self.window.collection.filters
                filters.missing_artist.setChecked(False)
                sorts = [filters.sort.itemData(i) for i in range(filters.sort.count())]
                filters.sort.setCurrentIndex(sorts.index((Sort.DOUBT, False)))
                combo = filters.combos[Field.ARTIST]
                combo.setCurrentIndex(combo.findData(POSSIBLE_MISTAKE))
                self.step = "select-first"
        elif self.step == "select-first":
            model = self.window.model
            if self.desk.executor.pending() == 0 and model.rowCount() > 0:
                self.window.collection.grid.setCurrentIndex(model.index(0, 0))
                self.step = "settle"
                self.settle_until = time.monotonic() + 1.5
        elif self.step == "batch":
            # The preview of a first pass over the filter, one value unticked by the curator.
            if self.desk.inference is None or self.desk.background_done():
                self.panel = self.window.open_batch()
                self.panel.threshold.setValue(BATCH_THRESHOLD)
                self.panel.refresh()
                self.step = "wait-batch"
        elif self.step == "wait-batch":
            if self.panel.count is not None:
                if self.panel.count > 2:
                    self.panel.model.set_ticked(1, False)
                self.step = "settle"
                self.settle_until = time.monotonic() + 1.5
        elif self.step == "open-model" and self.desk.executor.pending() == 0:
            self.panel = self.window.open_model_panel()
            sup = self.desk.retrain
            self.step = "wait-model"
            if sup is not None and sup.start():  # a real retrain, so there is a version to show
                self.step = "wait-retrain"
        elif self.step == "wait-retrain":
            if not self.desk.retrain.running():
                self.panel.refresh()
                self.step = "wait-model"
                self.panel.report = None
        elif self.step == "wait-model":
            assert self.panel is not None
            if getattr(self.panel, "report", None) is not None:
                self.step = "settle"
                self.settle_until = time.monotonic() + 0.5
        elif self.step == "settle" and time.monotonic() >= self.settle_until and self._idle():
            self.status = 0 if self.save() else 1
            self.finish()

    def save(self) -> bool:
        """Grab the window (or the model panel) and write the PNG."""
        QApplication.processEvents()
        target: QWidget = self.panel or self.window
        screen = QGuiApplication.primaryScreen()
        pm: QPixmap | None = None
        if QGuiApplication.platformName() == "xcb" and screen is not None:
            g = target.frameGeometry()
            pm = screen.grabWindow(0, g.x(), g.y(), g.width(), g.height())
        if pm is None or pm.isNull():
            pm = target.grab()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        ok = pm.save(str(self.out), "PNG")
        log.info("screenshot %s: %s (%dx%d)", self.out, ok, pm.width(), pm.height())
        print(f"screenshot: {self.out} ({pm.width()}x{pm.height()})", flush=True)
        return bool(ok)

    def finish(self) -> None:
        self.timer.stop()
        if self.panel is not None:
            self.panel.close()
        QApplication.quit()
