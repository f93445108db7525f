"""Thumbnails decoded on background threads, newest requests first, kept in an in-memory LRU."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

log = logging.getLogger(__name__)

#: Makes the image bytes of one request (the disk cache, Pillow); runs on a loader thread.
Loader = Callable[[str, str | None, int], bytes]


@dataclass(frozen=True)
class _Request:
    key: str
    path: str
    checksum: str | None
    size: int


def lower_thread_priority(nice: int = 10) -> None:
    """Let the OS prefer the GUI thread over this one when the cores are busy (Linux only)."""
    # Not Linux, or not allowed: the thread runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


class ThumbnailLoader(QObject):
    """Loads thumbnails off the GUI thread; `pixmap()` answers from memory or schedules a load."""

    #: A thumbnail key whose pixmap is now in memory.
    ready = Signal(str)
    #: A thumbnail key that could not be made, with the reason.
    failed = Signal(str, str)
    _loaded = Signal(str, object, str)

    def __init__(
        self,
        load: Loader,
        threads: int = 2,
        capacity: int = 2000,
        max_pending: int = 400,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._load = load
        self._capacity = capacity
        self._max_pending = max_pending
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._errors: dict[str, str] = {}
        # Pending requests as an ordered dict: newest last, popped first (what is on screen now).
        self._pending: OrderedDict[str, _Request] = OrderedDict()
        self._in_flight: set[str] = set()
        self._cond = threading.Condition()
        self._stopping = False
        self._loaded.connect(self._on_loaded)
        self._threads = [
            threading.Thread(target=self._work, name=f"thumbnails-{i}", daemon=True)
            for i in range(max(1, threads))
        ]
        for t in self._threads:
            t.start()

    @staticmethod
    def key(checksum: str | None, path: str, size: int) -> str:
        """The cache key of one image at one size."""
        return f"{size}:{checksum or path}"

    def pixmap(self, path: str, checksum: str | None, size: int) -> QPixmap | None:
        """The thumbnail if in memory; otherwise None and a background load is scheduled."""
        k = self.key(checksum, path, size)
        pm = self._cache.get(k)
        if pm is not None:
            self._cache.move_to_end(k)
            return pm
        if k not in self._errors:
            self.request(path, checksum, size)
        return None

    def cached(self, key: str) -> QPixmap | None:
        """The in-memory pixmap of `key`, if loaded."""
        return self._cache.get(key)

    def error(self, path: str, checksum: str | None, size: int) -> str | None:
        """Why this thumbnail could not be made, if it failed."""
        return self._errors.get(self.key(checksum, path, size))

    def request(self, path: str, checksum: str | None, size: int) -> None:
        """Schedule a load; a repeated request moves to the front of the queue."""
        k = self.key(checksum, path, size)
        with self._cond:
            if k in self._in_flight:
                return
            self._pending.pop(k, None)
            self._pending[k] = _Request(k, path, checksum, size)
            while len(self._pending) > self._max_pending:
                self._pending.popitem(last=False)  # scrolled past long ago
            self._cond.notify()

    def discard_pending(self) -> None:
        """Forget queued requests (the view changed completely)."""
        with self._cond:
            self._pending.clear()

    def pending_count(self) -> int:
        """Requests queued or being decoded."""
        with self._cond:
            return len(self._pending) + len(self._in_flight)

    def _work(self) -> None:
        lower_thread_priority()
        while True:
            with self._cond:
                while not self._pending and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                _, req = self._pending.popitem(last=True)
                self._in_flight.add(req.key)
            try:
                data = self._load(req.path, req.checksum, req.size)
                image = QImage.fromData(data)
                if image.isNull():
                    raise ValueError("unreadable thumbnail")
                self._loaded.emit(req.key, image, "")
            except Exception as exc:  # one bad file must not stop the loader
                self._loaded.emit(req.key, None, str(exc) or type(exc).__name__)

    @Slot(str, object, str)
    def _on_loaded(self, key: str, image: QImage | None, err: str) -> None:
        with self._cond:
            self._in_flight.discard(key)
        if image is None:
            log.info("thumbnail failed: %s", err)
            self._errors[key] = err
            self.failed.emit(key, err)
            return
        self._cache[key] = QPixmap.fromImage(image)
        self._cache.move_to_end(key)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        self.ready.emit(key)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop the loader threads (pending requests are dropped)."""
        with self._cond:
            self._stopping = True
            self._pending.clear()
            self._cond.notify_all()
        for t in self._threads:
            t.join(timeout)
