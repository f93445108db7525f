"""The window follows the team: every few seconds, ask what other curators changed, refresh it.

The question runs on the catalogue executor as a background op (services.team_watch: one
indexed read of the newest decisions and of the active model), so the window never waits
for it; the answer is a Changes that goes to the same on_changes as our own ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from heritage_desk.core.model import Changes
from heritage_desk.workers import operations

#: How often the window asks (ms): "within seconds", and cheap enough for a team of dozens.
POLL_MS = 3000


class TeamFollower(QObject):
    """A timer that polls the catalogue for others' changes and hands them to `on_changes`."""

    def __init__(
        self,
        parent: QObject,
        on_changes: Callable[[Changes], None],
        say: Callable[[str], None],
        interval_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self._on_changes = on_changes
        self._say = say
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.poll()  # the first answer only takes note of where the catalogue stands

    def poll(self) -> None:
        operations.team_changes().success(self._done).run()

    def _done(self, changes: Any) -> None:
        if not isinstance(changes, Changes) or changes == Changes():
            return
        self._on_changes(changes)
        if changes.model:
            self._say("The catalogue's active model was changed by another curator")
