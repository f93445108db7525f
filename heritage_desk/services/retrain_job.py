"""The retrain child process seen from the parent: start, hand over the manifest, read events.

A RetrainJob launches `python -m heritage_desk.services.retrain_child -` (a fresh interpreter,
never fork), sends one JSON line with the manifest, relays the child's JSON-line events and
ends in a ChildOutcome; cancel is terminate, wait, kill. No catalogue access happens here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heritage_desk import config
from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from heritage_desk.services import retrain_protocol as protocol
from heritage_desk.services.retrain_manifest import Manifest
from heritage_desk.services.retrain_protocol import ChildStatus

log = logging.getLogger(__name__)

CHILD_MODULE = "heritage_desk.services.retrain_child"
#: `python -I -c` body: argv[1] is the folder holding the package, the rest the child's args.
_ISOLATED_MAIN = (
    "import runpy, sys; sys.path.append(sys.argv.pop(1)); "
    f"runpy.run_module({CHILD_MODULE!r}, run_name='__main__', alter_sys=True)"
)


def _safe_cwd() -> str:
    """A working folder for the child that only holds the app's own files."""
    for folder in (config.PACKAGE_DIR, Path(sys.executable).parent):
        if folder.is_dir():
            return str(folder)
    return os.path.abspath(os.sep)


@dataclass(frozen=True)
class ChildOutcome:
    """How the child process ended."""

    status: ChildStatus
    checkpoint: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] | None = None
    message: str = ""
    returncode: int | None = None
    seconds: float = 0.0


class RetrainJob:
    """One child process: start, read its JSON lines, cancel (terminate, wait, kill)."""

    def __init__(self, *, python: str | None = None, timeout_s: float | None = None) -> None:
        self.python = python or sys.executable
        self.timeout_s = timeout_s
        self.version = ""
        self.out_path = Path()
        self.events: list[protocol.Event] = []
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[protocol.Event | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=40)
        self._killed = False
        self._sent = False
        self._readers: list[threading.Thread] = []
        #: The child's working folder: the app's own code, never the folder it was started in.
        self.cwd = _safe_cwd()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        """True while the child runs (a spare one waits for its manifest)."""
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        """The child's command line; the manifest comes on stdin.

        Isolated (`-I`): neither the working folder nor PYTHON* variables nor the user's site
        folder reach sys.path, so a `json.py` on a museum share cannot run in the child; the
        package is found where this process found it (appended, never ahead of the stdlib).
        A frozen bundle's program takes no interpreter flags and never puts its working folder
        on sys.path (installer/bundle_entry.py runs `-m heritage_desk.X`).
        """
        if getattr(sys, "frozen", False):
            return [self.python, "-m", CHILD_MODULE, "-"]
        return [self.python, "-I", "-u", "-c", _ISOLATED_MAIN, str(config.PROJECT_DIR), "-"]

    def start(self) -> None:
        """Launch the child (a fresh interpreter, never fork) in its own session.

        It imports torch at once and then waits for its manifest on stdin, so the seconds of
        start-up overlap with building the manifest (or pass before it is needed: prewarm).
        """
        if self._proc is not None:
            raise RuntimeError("this retrain job was started already")
        # No PYTHON* variable (PYTHONPATH=., PYTHONSTARTUP, ...) reaches even a frozen child.
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PYTHON")}
        env["PYTHONUNBUFFERED"] = "1"
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True  # no terminal signal reaches it by accident
        else:
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            env=env,
            cwd=self.cwd,
            close_fds=True,
            **kwargs,
        )
        self._readers = [
            threading.Thread(target=self._read_stdout, name="retrain-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, name="retrain-stderr", daemon=True),
        ]
        for t in self._readers:
            t.start()

    def send(self, manifest: Manifest, out_path: Path) -> None:
        """Hand the child its manifest and the checkpoint path; it starts training."""
        if self._proc is None:
            self.start()
        assert self._proc is not None and self._proc.stdin is not None
        # The child works elsewhere: paths relative to this process's folder become absolute.
        out_path = Path(os.path.abspath(out_path))
        manifest = dataclasses.replace(
            manifest,
            cache_dir=os.path.abspath(manifest.cache_dir),
            starter=manifest.starter and os.path.abspath(manifest.starter),
            baseline=manifest.baseline and os.path.abspath(manifest.baseline),
        )
        self.version, self.out_path = manifest.version, out_path
        payload = json.dumps({"out": str(out_path), "manifest": json.loads(manifest.to_json())})
        try:
            self._proc.stdin.write(payload + "\n")
            self._proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError) as exc:
            log.warning("retrain child gone before its manifest: %s", exc)
        self._sent = True

    def _read_stdout(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            event = protocol.parse_line(line)
            if event is not None:
                self._lines.put(event)
        self._lines.put(None)

    def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        for line in self._proc.stderr:
            self._stderr.append(line.rstrip())
            log.debug("retrain child: %s", line.rstrip())

    def cancel(self, grace_s: float = 5.0) -> None:
        """Terminate the child, wait up to `grace_s`, then kill it."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        self._killed = True
        _signal(proc, signal.SIGTERM)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            _signal(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
            proc.wait()
        for t in self._readers:
            t.join(2.0)

    def run_to_outcome(
        self,
        cancel: CancelToken | None = None,
        on_event: Callable[[protocol.Event], None] | None = None,
    ) -> ChildOutcome:
        """run(), but an unexpected error (say, in `on_event`) stops the child and becomes a
        "failed" outcome, so the caller still registers it (and frees the retrain lock)."""
        try:
            return self.run(cancel=cancel, on_event=on_event)
        except Exception as exc:
            self.cancel()
            return ChildOutcome(ChildStatus.FAILED, message=f"{type(exc).__name__}: {exc}")

    def run(
        self,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        on_event: Callable[[protocol.Event], None] | None = None,
    ) -> ChildOutcome:
        """Wait for the child (after send), relaying progress; never raises Cancelled."""
        t0 = time.perf_counter()
        if not self._sent:
            raise RuntimeError("send() the manifest before run()")
        assert self._proc is not None
        done: protocol.Done | None = None
        error = ""
        eof = False
        while not eof:
            if cancel is not None and cancel.cancelled:
                self.cancel()
                break
            if self.timeout_s is not None and time.perf_counter() - t0 > self.timeout_s:
                self.cancel()
                error = f"retraining took longer than {self.timeout_s:.0f} s and was stopped"
                break
            try:
                event = self._lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if event is None:
                eof = True
                continue
            self.events.append(event)
            if on_event is not None:
                on_event(event)
            if isinstance(event, protocol.TrainingProgress):
                progress(Progress(event.done, event.total, event.message))
            elif isinstance(event, protocol.Done):
                done = event
            elif isinstance(event, protocol.Error):
                error = event.message
        rc = self._proc.wait()
        for t in self._readers:  # they end at the pipes' EOF; leave no thread behind
            t.join(5.0)
        seconds = time.perf_counter() - t0
        if done is not None and rc == 0 and not self._killed:
            return ChildOutcome(
                ChildStatus.DONE,
                done.checkpoint,
                done.metrics,
                done.baseline,
                returncode=rc,
                seconds=seconds,
            )
        self.discard_output()
        if self._killed and not error:
            return ChildOutcome(
                ChildStatus.CANCELLED,
                message="retraining cancelled",
                returncode=rc,
                seconds=seconds,
            )
        if not error:
            tail = " | ".join(list(self._stderr)[-3:])
            error = f"the training process stopped (exit status {rc}){': ' + tail if tail else ''}"
        return ChildOutcome(ChildStatus.FAILED, message=error, returncode=rc, seconds=seconds)

    def discard_output(self) -> None:
        """Remove the checkpoint of a run that did not finish (it is never registered)."""
        if not self.version:
            return
        for p in (self.out_path, self.out_path.with_suffix(".json")):
            with contextlib.suppress(OSError):
                p.unlink()


def _signal(proc: subprocess.Popen[str], sig: int) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, sig)  # the child leads its own session: its group goes too
        elif sig == signal.SIGTERM:
            proc.terminate()
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
