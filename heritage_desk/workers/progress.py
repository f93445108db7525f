"""Core Progress callbacks and CancelTokens as Qt signals, for progress bars with Cancel."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal

from heritage_desk.core.progress import CancelToken, Progress


class JobProgress(QObject):
    """A long job's progress as a signal; `report` may be called from any thread."""

    #: A Progress snapshot, delivered on the GUI thread.
    progressed = Signal(object)

    def __init__(self, min_interval: float = 0.05, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.token = CancelToken()
        self._min_interval = min_interval
        self._last = 0.0
        self._lock = threading.Lock()
        self.last: Progress | None = None

    def report(self, progress: Progress) -> None:
        """A core ProgressCallback: forwards at most one report per interval, and the last."""
        now = time.monotonic()
        with self._lock:
            self.last = progress
            final = progress.total and progress.done >= progress.total
            if not final and now - self._last < self._min_interval:
                return  # a flood of signals would itself stall the event loop
            self._last = now
        self.progressed.emit(progress)

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled
