"""Suggestions computed on an inference thread; catalogue reads and writes stay on the executor.

One request flows: gather inputs (executor) -> predict (inference thread, model loaded once,
small batches) -> store suggestions (executor, whose Changes every view sees). Urgent requests
(the asset on screen, an edited asset) go before the background backlog.

The backlog runs in chunks of several embedding batches, so that within a chunk the next
batch's images decode while the current one runs through the network (one batch per call
cannot overlap the two: the window embedded 4,000-px JPEGs at 26 images/s that way). A chunk
yields to an urgent request after the embedding batch in flight: its done batches are cached,
its assets go back to the front of the backlog, and the urgent one runs next.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot

from heritage_desk.core.model import Changes
from heritage_desk.core.progress import Cancelled, CancelToken, Eta, Progress
from heritage_desk.workers.ops import Op
from heritage_desk.workers.thumbnails import lower_thread_priority

if TYPE_CHECKING:
    from heritage_desk.services.desk import Desk

log = logging.getLogger(__name__)


class SuggestEngine(Protocol):
    """The three steps of making suggestions, split by the thread each runs on."""

    def gather(self, desk: Desk, asset_ids: Sequence[int]) -> Any:
        """Executor: what the model needs for these assets (paths, known fields)."""
        ...

    def predict(self, inputs: Any, cancel: CancelToken) -> Any:
        """Inference thread: run the model (torch) on gathered inputs."""
        ...

    def store(self, desk: Desk, outputs: Any) -> Changes:
        """Executor: write the predictions as suggestions."""
        ...


class InferenceWorker(QObject):
    """Schedules suggestion batches; only `predict` runs on this worker's own thread."""

    #: Progress of the background pass over assets without suggestions.
    progressed = Signal(object)
    #: A batch was stored (its Changes also go out through the executor).
    stored = Signal(object)
    #: A message for the status bar when a batch failed.
    failed = Signal(str)
    #: True while batches are running.
    busy = Signal(bool)
    _predicted = Signal(int, object, object)

    def __init__(
        self,
        engine: SuggestEngine,
        batch: int = 16,
        backlog_batch: int = 64,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.engine = engine
        #: Assets per urgent request's batch, and per chunk of the background pass.
        self.batch = batch
        self.backlog_batch = backlog_batch
        self._urgent: deque[int] = deque()
        self._backlog: deque[int] = deque()
        self._backlog_done = 0
        self._backlog_total = 0
        self._eta = Eta(0)
        self._running = False
        self._token = CancelToken()  # shutdown
        self._chunk_token = CancelToken()  # the backlog chunk in flight: urgent work, Cancel
        self._backlog_gen = 0  # a new or stopped backlog: a chunk cut short is not requeued
        self._jobs: queue.Queue[tuple[int, Any, CancelToken] | None] = queue.Queue()
        self._seq = 0
        self._pending_batch: tuple[int, list[int], bool, int] = (0, [], False, 0)
        self._skip: set[int] = set()  # assets the model could not handle this session
        self._model_error = ""  # the last "model cannot be loaded" said (said once)
        self._predicted.connect(self._on_predicted)
        self._thread = threading.Thread(target=self._loop, name="inference", daemon=True)
        self._thread.start()

    # -- requests (GUI thread) ----------------------------------------------------------------

    def request(self, asset_ids: Sequence[int]) -> None:
        """Compute suggestions for these assets next, before the backlog."""
        for i in reversed(asset_ids):
            if i in self._urgent:
                self._urgent.remove(i)
            self._urgent.appendleft(i)
            self._skip.discard(i)
        if self._running and not self._pending_batch[2]:
            self._chunk_token.cancel()  # the chunk yields after its embedding batch in flight
        self._kick()

    def start_backlog(self, asset_ids: Sequence[int]) -> None:
        """Work through these assets in the background, after any urgent request."""
        self._backlog = deque(asset_ids)
        self._backlog_gen += 1
        self._model_error = ""  # a new pass (say, after a model switch) may say it again
        self._backlog_done = 0
        self._backlog_total = len(asset_ids)
        self._eta = Eta(len(asset_ids))
        if not asset_ids:
            self.progressed.emit(Progress(0, 0, "done"))
        self._kick()

    def stop_backlog(self) -> None:
        """Stop the background pass after the embedding batch in flight (done ones are kept)."""
        self._backlog.clear()
        self._backlog_gen += 1
        self._chunk_token.cancel()

    def backlog_left(self) -> int:
        """Assets still waiting in the background pass."""
        return len(self._backlog)

    def is_busy(self) -> bool:
        return self._running

    def _set_running(self, running: bool) -> None:
        if running != self._running:
            self._running = running
            self.busy.emit(running)

    def _kick(self) -> None:
        if self._running or self._token.cancelled:
            return
        if self._urgent:
            ids = [self._urgent.popleft() for _ in range(min(self.batch, len(self._urgent)))]
            self._set_running(True)
            self._gather(ids, urgent=True)
        elif self._backlog:
            n = min(self.backlog_batch, len(self._backlog))
            ids = [self._backlog.popleft() for _ in range(n)]
            self._set_running(True)
            self._gather(ids, urgent=False)
        else:
            self._set_running(False)

    def _gather(self, ids: list[int], urgent: bool) -> None:
        # The background pass yields the executor to what the curator waits for.
        Op(lambda s: self.engine.gather(s, ids), background=not urgent).success(
            lambda inputs: self._predict(ids, inputs, urgent)
        ).failure(lambda e: self._on_batch_error(ids, e)).run()

    def _predict(self, ids: list[int], inputs: Any, urgent: bool) -> None:
        self._seq += 1
        self._pending_batch = (self._seq, ids, urgent, self._backlog_gen)
        if urgent:
            token = self._token
        else:
            self._chunk_token = token = CancelToken()
            if self._urgent:  # arrived while this chunk was being gathered
                token.cancel()
        self._jobs.put((self._seq, inputs, token))

    # -- inference thread ---------------------------------------------------------------------

    def _loop(self) -> None:
        lower_thread_priority()  # torch on a shared CPU must not starve the window
        warm_up = getattr(self.engine, "warm_up", None)
        if callable(warm_up):  # import torch here, not on the executor the window waits for
            try:
                warm_up()
            except Exception as exc:  # the first batch will report it properly
                log.warning("inference warm-up failed: %s", exc)
        while True:
            job = self._jobs.get()
            if job is None:
                return
            seq, inputs, token = job  # shutdown cancels both kinds of token
            try:
                out = self.engine.predict(inputs, token)
            except Exception as exc:  # reported, and the asset is skipped, never retried in a loop
                self._predicted.emit(seq, None, exc)
            else:
                self._predicted.emit(seq, out, None)

    # -- results (GUI thread) -----------------------------------------------------------------

    @Slot(int, object, object)
    def _on_predicted(self, seq: int, outputs: Any, exc: object) -> None:
        _, ids, urgent, gen = self._pending_batch
        if isinstance(exc, Cancelled):
            if not self._token.cancelled and gen == self._backlog_gen:
                self._backlog.extendleft(reversed(ids))  # yielded to urgent work: resume later
            self._set_running(False)
            self._kick()
            return
        if exc is not None:
            assert isinstance(exc, Exception)
            self._on_batch_error(ids, exc)
            return
        Op(lambda s: self.engine.store(s, outputs), initiator=self, background=not urgent).success(
            lambda ch: self._on_stored(ids, urgent, ch)
        ).failure(lambda e: self._on_batch_error(ids, e)).run()

    def _on_stored(self, ids: list[int], urgent: bool, changes: Changes) -> None:
        if not urgent:
            self._backlog_done += len(ids)
            self._backlog_total = max(self._backlog_total, self._backlog_done)
            self._eta.total = self._backlog_total
            self.progressed.emit(self._eta.progress(self._backlog_done, "computing suggestions"))
        if urgent:
            # The backlog's own copies of these assets are done too: count them, or the bar
            # stops at "134/135" with every worker idle. Only the first copy of each: a later
            # one (Desk.needing_suggestions' second look) is made after more is embedded.
            first = set(ids)
            left: deque[int] = deque()
            for i in self._backlog:
                if i in first:
                    first.discard(i)
                else:
                    left.append(i)
            if len(left) != len(self._backlog):
                self._backlog_done += len(self._backlog) - len(left)
                self._backlog = left
                done = self._backlog_done
                self.progressed.emit(self._eta.progress(done, "computing suggestions"))
        # Assets the model returned nothing for would be asked for again forever: skip them.
        self._skip.update(i for i in ids if i not in changes.asset_ids)
        self.stored.emit(changes)
        self._set_running(False)
        self._kick()

    def _on_batch_error(self, ids: list[int], exc: Exception) -> None:
        from heritage_desk.core.model import ModelUnavailableError

        if isinstance(exc, ModelUnavailableError):
            # No batch can succeed until another version is active: say it once, stop the
            # backlog (a model switch starts it again), never fall back to another model.
            if str(exc) != self._model_error:
                self._model_error = str(exc)
                log.warning("%s", exc)
                self.failed.emit(str(exc))
            self._backlog.clear()
            self._urgent.clear()
            self._set_running(False)
            return
        log.warning("suggestions failed for %s: %s", ids, exc)
        self._skip.update(ids)
        self.failed.emit(f"Suggestions failed: {exc}")
        self._set_running(False)
        self._kick()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel work in progress and stop the thread."""
        self._token.cancel()
        self._chunk_token.cancel()
        self._backlog.clear()
        self._urgent.clear()
        self._jobs.put(None)
        self._thread.join(timeout)
