"""Event-loop stall meter for GUI benchmarks: how late a 5 ms QTimer fires."""

from __future__ import annotations

import time
from typing import Any

INTERVAL_MS = 5


class StallMeter:
    """Records, per tick, how many ms later than INTERVAL_MS the event loop ran the timer."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.lateness: list[float] = []
        self._last = time.perf_counter()
        self._timer: Any = QTimer(interval=INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, (now - self._last) * 1000 - INTERVAL_MS))
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
