"""One thread owns the catalogue; the GUI asks through Ops (Anki's CollectionOp + taskman)."""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from heritage_desk.core.model import Changes

if TYPE_CHECKING:  # for mypy only: at run time the GUI process never imports storage via here
    from heritage_desk.services.desk import Desk

log = logging.getLogger(__name__)

T = TypeVar("T")

_current: DbExecutor | None = None


def current_executor() -> DbExecutor:
    """The executor ops run on by default (set by the composition root)."""
    if _current is None:
        raise RuntimeError("no DbExecutor running")
    return _current


@dataclass(order=True)
class _Job:
    priority: int
    id: int
    fn: Callable[[Desk], Any] = field(compare=False)
    key: str | None = field(compare=False)
    enqueued: float = field(default_factory=time.perf_counter, compare=False)


#: Priorities: what the curator waits for first, housekeeping (counts, vocabularies) after.
INTERACTIVE, BACKGROUND = 0, 1
_STOP = 2


class DbExecutor(QObject):
    """A single worker thread that runs every catalogue call, in order."""

    #: (job id, result, exception) from the worker thread; queued to the GUI thread.
    _finished = Signal(int, object, object)
    #: Changes made by an op, and the object that asked for it (Anki's operation_did_execute).
    changes = Signal(object, object)
    #: An op failed and nobody handled it: a message for the status bar.
    error = Signal(str)
    #: Becomes True while jobs are pending.
    busy = Signal(bool)

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self._queue: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._ids = itertools.count(1)
        self._callbacks: dict[int, Op[Any]] = {}
        self._latest_by_key: dict[str, int] = {}
        self._lock = threading.Lock()
        self._pending = 0
        self.closed = False
        self._finished.connect(self._deliver)
        self._thread = threading.Thread(target=self._loop, name="db-executor", daemon=True)
        self._thread.start()
        global _current
        _current = self

    def submit(self, op: Op[Any]) -> int:
        """Queue `op`; with a key, an older pending op of the same key is skipped."""
        job = _Job(op.priority, next(self._ids), op.fn, op.key)
        with self._lock:
            self._callbacks[job.id] = op
            if op.key:
                self._latest_by_key[op.key] = job.id
            self._pending += 1
            if self._pending == 1:
                self.busy.emit(True)
        self._queue.put(job)
        return job.id

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job.priority == _STOP:
                return
            if job.key and self._latest_by_key.get(job.key) != job.id:
                self._finished.emit(job.id, None, _Superseded())
                continue
            try:
                result = job.fn(self.desk)
            except Exception as exc:  # delivered to the op's failure callback
                self._finished.emit(job.id, None, exc)
            else:
                self._finished.emit(job.id, result, None)

    @Slot(int, object, object)
    def _deliver(self, job_id: int, result: object, exc: object) -> None:
        with self._lock:
            op = self._callbacks.pop(job_id, None)
            self._pending -= 1
            if self._pending == 0:
                self.busy.emit(False)
        if op is None:
            return
        # A keyed op answers only while it is the newest of its key: one that was already
        # running when a newer one came (a listing for the previous threshold) is not shown.
        # The keys are a few fixed names, so the newest id of each is simply kept.
        stale = bool(op.key) and self._latest_by_key.get(op.key or "") != job_id
        if isinstance(exc, _Superseded):
            return
        alive = _alive(op.initiator)  # a closed dialog gets no callback; views still hear
        if exc is not None:
            assert isinstance(exc, Exception)
            if op.on_failure is not None and alive:
                op.on_failure(exc)
            else:
                log.error("operation failed", exc_info=exc)
                self.error.emit(str(exc) or type(exc).__name__)
            return
        if op.on_success is not None and alive and not stale:
            try:
                op.on_success(result)
            except RuntimeError as err:
                if "already deleted" not in str(err):
                    raise
                log.debug("op result for a closed widget dropped: %s", err)
        changes = _changes_of(result)
        if changes is not None:
            self.changes.emit(changes, op.initiator if alive else None)

    def pending(self) -> int:
        """How many submitted ops have not been delivered yet."""
        return self._pending

    def shutdown(self, timeout: float = 10.0) -> None:
        """Finish the queued ops, then stop the thread."""
        global _current
        self.closed = True
        if self._thread.is_alive():
            self._queue.put(_Job(_STOP, next(self._ids), lambda s: None, None))
            self._thread.join(timeout)
        if _current is self:
            _current = None


def _alive(obj: object) -> bool:
    """False for a QObject whose C++ side is gone (a closed dialog); True otherwise."""
    return not isinstance(obj, QObject) or shiboken6.isValid(obj)


class _Superseded(Exception):
    """A newer op with the same key replaced this one before it ran."""


def _changes_of(result: object) -> Changes | None:
    """The Changes in an op's result: the result itself or its `.changes` attribute."""
    if isinstance(result, Changes):
        return result
    changes = getattr(result, "changes", None)
    return changes if isinstance(changes, Changes) else None


class Op(Generic[T]):
    """A Desk call run off the GUI thread: `Op(lambda d: d.undo(who)).success(cb).run()`.

    Built by the named factories of workers.operations (Anki's aqt/operations).
    """

    def __init__(
        self,
        fn: Callable[[Desk], T],
        *,
        key: str | None = None,
        initiator: object = None,
        executor: DbExecutor | None = None,
        background: bool = False,
    ) -> None:
        self.fn = fn
        self.priority = BACKGROUND if background else INTERACTIVE
        self.key = key
        self.initiator = initiator
        self.executor = executor
        self.on_success: Callable[[T], None] | None = None
        self.on_failure: Callable[[Exception], None] | None = None

    def success(self, cb: Callable[[T], None]) -> Op[T]:
        """Call `cb(result)` on the GUI thread when the op succeeds."""
        self.on_success = cb
        return self

    def failure(self, cb: Callable[[Exception], None]) -> Op[T]:
        """Call `cb(exception)` on the GUI thread when the op raises."""
        self.on_failure = cb
        return self

    def run(self) -> int:
        """Queue the op on its executor; returns its job id (-1: the app is closing, dropped)."""
        executor = self.executor or _current
        if executor is None or executor.closed:
            log.debug("op dropped: no executor running (closing)")
            return -1
        return executor.submit(self)
