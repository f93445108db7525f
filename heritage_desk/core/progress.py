"""Cooperative cancellation and progress reporting for long jobs (Orange3's TaskState)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class Cancelled(Exception):
    """Raised inside a job when its CancelToken was set."""


class CancelToken:
    """A thread-safe flag a job polls between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """A snapshot of a job: `done` of `total` steps, with a short message."""

    done: int
    total: int
    message: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """A progress callback that ignores reports."""


class Eta:
    """Throughput and time left of a long job, said in its progress message."""

    def __init__(self, total: int, start_done: int = 0) -> None:
        self.total = total
        self.start_done = start_done  # done before this run (cached): not counted in the rate
        self.t0 = time.monotonic()

    def progress(self, done: int, what: str = "embedding images") -> Progress:
        """A Progress whose message says the count, the rate and the time left."""
        dt = time.monotonic() - self.t0
        rate = (done - self.start_done) / dt if dt > 0 else 0.0
        msg = f"{what}: {done:,}/{self.total:,}"
        if rate > 0 and done > self.start_done:
            msg += f", {rate:.1f} images/s, {clock((self.total - done) / rate)} left"
        return Progress(done, self.total, msg)


def clock(seconds: float) -> str:
    """A duration as people say it: 3 s, 4 min 05 s, 1 h 02 min."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def time_left(p: Progress) -> str:
    """The "4 min 05 s left" part of an Eta message, or ""."""
    tail = p.message.rsplit(", ", 1)[-1]
    return tail if tail.endswith(" left") else ""
