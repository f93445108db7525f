"""`--screenshot --show compare|weaker-evidence|loupe|badges`: drive the window to those views
before the grab (weaker-evidence: the compare view on a work given with a qualifier)."""

from __future__ import annotations

from typing import Any

from heritage_desk.core.model import UNKNOWN_ARTIST, Changes, Field
from heritage_desk.gui.compare_view import evidence_items
from heritage_desk.workers import operations

SHOWS = ("compare", "weaker-evidence", "loupe", "badges")
#: How many works `compare` looks through for one with evidence.
LOOK_AT = 60


class ViewShots:
    """One small state machine per view; `tick()` is True once the view is ready to grab."""

    def __init__(self, desk: Any, show: str) -> None:
        self.desk = desk
        self.window = desk.window
        self.show = show
        self.step = "start"
        self.done = 0
        self.seen: set[int] = set()
        self.first: int | None = None  # the first work seen with evidence

    def _act(self, name: str) -> None:
        self.window.actions_by_name[name].trigger()

    def _detail(self) -> Any:
        d = self.window.review.detail
        return d if d is not None and self.window.suggestions.detail is d else None

    def tick(self) -> bool:
        return bool(getattr(self, f"_{self.show.replace('-', '_')}")())

    def _with_evidence(self) -> Any:
        """The work on screen once every image is embedded and its evidence shown, else None
        (the first call asks for the details again, with evidence)."""
        if self.step == "start":
            if self.desk.background_done() and not self.desk.executor.pending():
                self.window.review.on_changes(Changes(model=True))
                self.step = "find"
            return None
        d = self._detail()
        return None if d is None or self.desk.executor.pending() else d

    def _weaker_evidence(self) -> bool:
        """The compare view on the first evidence work the catalogue gives with a qualifier
        ("Follower of X" shown as weaker evidence of X)."""
        d = self._with_evidence()
        if d is None:
            return False
        items = evidence_items(d)
        qualified = [i for i, item in enumerate(items) if item.work.qualifier is not None]
        if self.step == "find" and qualified:
            self._act("compare")
            self.step = "step"
            self.done = qualified[0]
            return False
        if self.step == "step":
            if self.window.stage.compare.index < self.done:
                self._act("evidence_next")
                return False
            return True
        if d.asset.id in self.seen or len(self.seen) >= self.window.model.rowCount():
            return len(self.seen) >= self.window.model.rowCount()  # none: grab what is there
        self.seen.add(d.asset.id)
        self._act("next")
        return False

    def _loupe(self) -> bool:
        self._act("loupe")
        return True

    def _badges(self) -> bool:
        """Two works accepted, one typed by the curator, one flagged, the rest as they are."""
        d = self._detail()
        if d is None or d.asset.id in self.seen or self.desk.executor.pending():
            return False
        self.seen.add(d.asset.id)
        artists = d.candidates(Field.ARTIST)
        if self.done < 2 and (not artists or artists[0].value == UNKNOWN_ARTIST):
            self._act("next")  # a painter the model knows, for a name in the picture
            return False
        if self.done < 2 and d.suggestions:
            self._act("accept_both")
        elif self.done == 2:
            who = self.window.review
            who.edit(Field.ARTIST, "Jean-Baptiste Oudry")
            who.edit(Field.DATE, "1740")
            self._act("next")
        elif self.done == 3:
            me = self.window.settings.reviewer
            operations.flag(d.asset.id, "Signature? Ask the drawings curator", me,
                            initiator=None).run()  # fmt: skip
            self._act("next")
        else:
            self._act("grid")
            return True
        self.done += 1
        return False

    def _compare(self) -> bool:
        """Once every image is embedded, the first work with evidence, beside its best match."""
        d = self._with_evidence()
        if d is None:
            return False
        items = evidence_items(d)
        top = d.candidates(Field.ARTIST)
        good = bool(items) and top[0].value != UNKNOWN_ARTIST
        if self.first is None and items:
            self.first = d.asset.id
        last = len(self.seen) >= min(LOOK_AT, self.window.model.rowCount())
        if last and not good and self.first is not None and d.asset.id != self.first:
            row = self.window.model.row_of(self.first)  # none better: the first with evidence
            if row is not None:
                self.window.collection.set_current_row(row)
            return False
        if good or last:
            if self.step == "find":
                self._act("compare")
                self.step = "zoom"
                return False
            self._act("zoom_in")  # both follow: the same detail of each, side by side
            return True
        if d.asset.id not in self.seen:
            self.seen.add(d.asset.id)
            self._act("next")
        return False
