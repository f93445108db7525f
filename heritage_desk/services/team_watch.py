"""The window follows the team: what other curators changed in a shared catalogue since last time.

A cheap poll, not LISTEN/NOTIFY: one indexed read of the newest decisions and one of the
active model every few seconds (the GUI's timer, on the catalogue executor). It works the
same on PostgreSQL and SQLite (where the CLI may change the file while the window is open),
needs no connection held open per window, and survives a server restart without a
re-subscription. What changed becomes a `Changes` each view inspects, as for our own ops.
"""

from __future__ import annotations

from heritage_desk.core.model import Changes
from heritage_desk.storage.catalogue import Catalogue

#: Decisions read per poll; more new ones than this since the last poll: reload everything.
WINDOW = 200


class TeamWatch:
    """Remembers the newest decision and the active model seen; poll() says what moved."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._last_decision: int | None = None
        self._model: str | None = None
        self._started = False

    def _newest(self) -> tuple[int, list[int]]:
        recent = self.catalogue.last_decisions(WINDOW)
        newest = recent[0].id if recent else 0
        last = self._last_decision or 0
        return newest, [d.asset_id for d in recent if d.id > last]

    def poll(self) -> Changes:
        """What others changed since the previous poll (the first poll only takes note)."""
        newest, assets = self._newest()
        active = self.catalogue.active_model()
        model = active.version if active is not None else None
        if not self._started:
            self._started = True
            self._last_decision, self._model = newest, model
            return Changes()
        changes = Changes()
        if newest != self._last_decision:
            moved = newest > (self._last_decision or 0) and len(assets) < WINDOW
            ids = frozenset(assets) if moved else frozenset()
            # An undo elsewhere is a decision too; asset_ids empty means "reload every row".
            changes = changes | Changes(
                fields=True, suggestions=True, decisions=True, asset_ids=ids
            )
            self._last_decision = newest
        if model != self._model:
            changes |= Changes(model=True, suggestions=True)
            self._model = model
        return changes
