"""How large the painting is: grid, loupe (E), full screen (F), compare (C); Escape goes back.

Lightroom's conventions: in the loupe the collection steps aside and the painting takes its
room (the suggestions stay, so the review keys go on working); full screen shows the painting
alone; the compare view puts an evidence work beside it. Escape leaves the compare view first,
then full screen, then the loupe; the work under review never changes on the way back.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

from heritage_desk.core.views import AssetDetail, Row
from heritage_desk.gui.compare_view import evidence_items
from heritage_desk.gui.stage import ReviewStage


class Mode(enum.StrEnum):
    """How much of the window the painting takes."""

    GRID = "grid"  # collection, painting, suggestions
    LOUPE = "loupe"  # painting and suggestions
    FULL = "full"  # the painting alone, full screen


class ViewModes(QObject):
    """Shows and hides the window's parts per mode; opens and closes the compare view."""

    #: The mode or the compare view changed.
    changed = Signal()

    def __init__(
        self,
        window: QMainWindow,
        stage: ReviewStage,
        collection: QWidget,
        side: QWidget,
        return_focus: Callable[[], None],
        reload_detail: Callable[[int], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent or window)
        self.window = window
        self.stage = stage
        self.collection = collection
        self.side = side
        self.return_focus = return_focus
        self.reload_detail = reload_detail
        self.mode = Mode.GRID
        self._before_full = Mode.GRID
        self._was_maximized = False
        self.detail: AssetDetail | None = None
        self.row: Row | None = None
        stage.compare.back_requested.connect(self.back)

    # -- the work on screen -----------------------------------------------------------------------

    def on_detail(self, detail: AssetDetail | None, row: Row | None) -> None:
        """The window shows `detail` (None while it loads; `row` is what is known meanwhile)."""
        self.detail, self.row = detail, row
        if not self.stage.comparing():
            return
        compare = self.stage.compare
        if detail is not None:
            compare.set_detail(detail)
        elif row is not None:
            a = row.asset
            compare.show_loading(a.image_path, a.checksum, a.title or "(untitled)")

    # -- commands ---------------------------------------------------------------------------------

    def toggle_loupe(self) -> None:
        """E: the painting large, or back to the collection."""
        self._set(Mode.GRID if self.mode is Mode.LOUPE else Mode.LOUPE)

    def toggle_full(self) -> None:
        """F: the painting alone on the whole screen, or back to where it was."""
        self._set(self._before_full if self.mode is Mode.FULL else Mode.FULL)

    def to_grid(self) -> None:
        """Show the collection again (the grid and table commands)."""
        if self.stage.comparing():
            self.stage.set_comparing(False)
        self._set(Mode.GRID)

    def compare(self, index: int = 0) -> None:
        """C: the work under review beside evidence work `index`."""
        self.stage.set_comparing(True)
        self.stage.compare.set_detail(self.detail, index)
        if self.detail is None and self.row is not None:
            self.on_detail(None, self.row)
        elif self.detail is not None and not evidence_items(self.detail):
            # Read before the model had loaded, perhaps: evidence needs its image features.
            self.reload_detail(self.detail.asset.id)
        self._apply()

    def toggle_compare(self) -> None:
        if self.stage.comparing():
            self.back()
        else:
            self.compare(0)

    def compare_with(self, asset_id: int) -> None:
        """A click on an evidence thumbnail: compare with that work (never leave this one)."""
        ids = [i.work.asset_id for i in evidence_items(self.detail)]
        self.compare(ids.index(asset_id) if asset_id in ids else 0)

    def step_evidence(self, step: int) -> None:
        """] and [: the next or previous evidence work (opening the compare view if needed)."""
        if not self.stage.comparing():
            self.compare(0 if step > 0 else len(evidence_items(self.detail)) - 1)
            return
        self.stage.compare.step(step)

    def can_go_back(self) -> bool:
        return self.stage.comparing() or self.mode is not Mode.GRID

    def back(self) -> None:
        """Escape: leave the compare view, else full screen, else the loupe."""
        if self.stage.comparing():
            self.stage.set_comparing(False)
            self._apply()
        elif self.mode is Mode.FULL:
            self.toggle_full()
        elif self.mode is Mode.LOUPE:
            self._set(Mode.GRID)

    # -- applying ---------------------------------------------------------------------------------

    def _set(self, mode: Mode) -> None:
        if mode is Mode.FULL and self.mode is not Mode.FULL:
            self._before_full = self.mode
            self._was_maximized = self.window.isMaximized()
            self.mode = mode
            self._apply()
            self.window.showFullScreen()
        elif self.mode is Mode.FULL and mode is not Mode.FULL:
            self.mode = mode
            if self._was_maximized:
                self.window.showMaximized()
            else:
                self.window.showNormal()
            self._apply()
        else:
            self.mode = mode
            self._apply()

    def _apply(self) -> None:
        full = self.mode is Mode.FULL
        # The compare view needs the room too: the collection steps aside while it is open.
        self.collection.setVisible(self.mode is Mode.GRID and not self.stage.comparing())
        self.side.setVisible(not full)
        self.stage.footer.setVisible(not full)
        self.window.menuBar().setVisible(not full)
        self.window.statusBar().setVisible(not full)
        # A mode change is a review key or command: the keys go on to the review, never into
        # whichever text box Qt handed the focus to when its widget was hidden.
        if self.collection.isHidden():
            self.stage.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.return_focus()
        self.changed.emit()
