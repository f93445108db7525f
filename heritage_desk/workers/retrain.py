"""Supervises a retrain child process: prepare on the executor, watch it from a thread, finish.

The child itself (and the Qt-free job that starts it, reads its JSON lines, terminates it on
cancel) belongs to services.retrain; this wraps it so the window gets signals and stays free.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal, Slot

from heritage_desk.core.progress import CancelToken, Progress
from heritage_desk.services import retrain_protocol as protocol
from heritage_desk.services.retrain_protocol import RetrainStatus
from heritage_desk.workers.ops import Op

if TYPE_CHECKING:
    from heritage_desk.services.desk import Desk

log = logging.getLogger(__name__)


class RetrainSteps(Protocol):
    """The three steps of a retrain, by the thread each runs on."""

    def prepare(self, desk: Desk) -> Any:
        """Executor: write the manifest of confirmed labels; returns a job to run."""
        ...

    def run(self, job: Any, on_event: Any, cancel: CancelToken) -> Any:
        """Supervisor thread: start the child, report its events, wait; returns its outcome."""
        ...

    def finish(self, desk: Desk, outcome: Any) -> Any:
        """Executor: record the new version, activate it only if it is not worse."""
        ...


class RetrainSupervisor(QObject):
    """One retrain at a time, with progress, cancel and an outcome."""

    started = Signal()
    progressed = Signal(object)  # Progress
    child_event = Signal(object)  # every event of the child (services.retrain_protocol)
    finished = Signal(object)  # the outcome after finish(); its Changes also go out as usual
    failed = Signal(str)
    _event = Signal(object)
    _outcome = Signal(object, object)

    def __init__(self, steps: RetrainSteps) -> None:
        super().__init__()  # the desk holds it; it is no part of the widget tree
        self.steps = steps
        self._token: CancelToken | None = None
        self._thread: threading.Thread | None = None
        self._event.connect(self._on_event)
        self._outcome.connect(self._on_outcome)
        self.last_outcome: object = None

    def running(self) -> bool:
        """Whether a retrain is under way."""
        return self._token is not None

    def start(self) -> bool:
        """Start a retrain unless one runs; returns whether it started."""
        if self._token is not None:
            return False
        self._token = CancelToken()
        self.started.emit()
        self.progressed.emit(Progress(0, 0, "preparing the manifest"))
        Op(self.steps.prepare).success(self._launch).failure(self._fail).run()
        return True

    def cancel(self) -> None:
        """Stop the child (terminate, wait, kill); the active model stays."""
        if self._token is not None:
            self._token.cancel()

    def _launch(self, job: Any) -> None:
        token = self._token
        if token is None:
            self._fail(Exception("cancelled"))
            return
        # Cancelled meanwhile: run anyway (it stops the child at once) so that finish() still
        # ends the job; a prepared job left unfinished would hold the retrain lock.

        def watch() -> None:
            try:
                out = self.steps.run(job, self._event.emit, token)
            except Exception as exc:  # reported as the retrain's failure
                self._outcome.emit(None, exc)
            else:
                self._outcome.emit(out, None)

        self._thread = threading.Thread(target=watch, name="retrain-supervisor", daemon=True)
        self._thread.start()

    @Slot(object)
    def _on_event(self, ev: protocol.Event) -> None:
        self.child_event.emit(ev)
        if isinstance(ev, protocol.TrainingProgress):
            self.progressed.emit(Progress(ev.done, ev.total, ev.message))

    @Slot(object, object)
    def _on_outcome(self, outcome: object, exc: object) -> None:
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None
        if exc is not None:
            self._fail(exc if isinstance(exc, Exception) else Exception(str(exc)))
            return
        Op(lambda s: self.steps.finish(s, outcome)).success(self._done).failure(self._fail).run()

    def _done(self, result: object) -> None:
        self.last_outcome = result
        status = getattr(result, "status", None)
        if isinstance(status, RetrainStatus) and status.made_no_model:
            self._fail(Exception(str(getattr(result, "reason", "") or status)))
            return
        self._token = None
        self.finished.emit(result)

    def _fail(self, exc: Exception) -> None:
        cancelled = self._token is not None and self._token.cancelled
        self._token = None
        if cancelled:
            msg = "Retrain cancelled; the active model is unchanged."
        else:
            msg = f"Retrain failed: {exc}; the active model is unchanged."
        log.info("retrain ended: %s", msg)
        self.failed.emit(msg)

    def shutdown(self, timeout: float = 15.0) -> None:
        """Cancel a running retrain and wait for its watcher to end."""
        self.cancel()
        if self._thread is not None:
            self._thread.join(timeout)
