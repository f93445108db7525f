"""Background retraining: the manifest of confirmed labels, the child process, model versions.

The database work (building the manifest, registering the version) and the child process are
separate steps, so a GUI can run the first and last on its catalogue executor and wait for the
child on another thread: `job = service.prepare()`, `outcome = job.run(progress, cancel)`,
`result = service.register(job, outcome)`. `service.retrain()` does all three (CLI, tests).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from heritage_desk import config
from heritage_desk.core.model import Action, Changes, Field, ModelVersion
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.retrain_child import COMPARED, Manifest, ManifestItem
from heritage_desk.services.suggestions import SuggestionService, starter_version
from heritage_desk.storage.catalogue import Catalogue

log = logging.getLogger(__name__)

CHILD_MODULE = "heritage_desk.services.retrain_child"
#: A year range wider than this is too vague to learn a decade from ("17th century").
MAX_YEAR_SPAN = 20
_PAGE = 2000
_TRAILING_DIGITS = re.compile(r"[\s\-_]*\d+$")


@dataclass(frozen=True)
class RetrainSettings:
    """How and when to retrain (the GUI keeps these in its settings)."""

    confirmations_trigger: int = 25  # retrain automatically after this many new confirmations
    holdout_fraction: float = 0.2  # of the artworks, grouped, for validation
    tolerance: float = 0.0  # how much lower held-out artist top-1 may be and still activate
    year_tolerance: float = 0.02  # the same for held-out decade accuracy (a noisier signal)
    num_threads: int | None = None  # torch threads in the child (None: cores - 1)
    epochs: int | None = None  # None: the head trainer's default
    refit_all: bool = False  # after validation, train once more on the held-out items too
    warm_start: bool = True  # fine-tune the active model for a few epochs (False: fresh head)
    timeout_s: float | None = None
    prewarm_at: float = 0.8  # start a spare child at this fraction of the trigger (0: never)


@dataclass(frozen=True)
class ChildOutcome:
    """How the child process ended."""

    status: str  # "done", "cancelled" or "failed"
    checkpoint: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] | None = None
    message: str = ""
    returncode: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class RetrainResult:
    """What a retrain did: activated a new version, kept it inactive (and why), or nothing."""

    status: str  # "activated", "kept", "cancelled", "failed"
    reason: str
    version: ModelVersion | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] | None = None
    changes: Changes = field(default_factory=Changes)
    seconds: float = 0.0

    @property
    def activated(self) -> bool:
        return self.status == "activated"


def models_dir_for(catalogue: Catalogue, paths: config.Paths | None = None) -> Path:
    """Where a catalogue's models live: beside a SQLite file, else under the data folder."""
    db = catalogue.url.database if catalogue.is_sqlite else None
    if db and db != ":memory:":
        p = Path(db)
        return p.with_name(p.name + ".models")
    key = catalogue.url.render_as_string(hide_password=True).encode()
    return (paths or config.paths()).models / hashlib.sha256(key).hexdigest()[:12]


def clean_temp_files(folder: Path) -> list[Path]:
    """Remove what an interrupted retrain or save left behind (*.tmp); returns what went."""
    removed = []
    if folder.is_dir():
        for p in folder.iterdir():
            if p.name.endswith(".tmp") and p.is_file():
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed.append(p)
    return removed


class RetrainJob:
    """One child process: start, read its JSON lines, cancel (terminate, wait, kill)."""

    def __init__(self, *, python: str | None = None, timeout_s: float | None = None) -> None:
        self.python = python or sys.executable
        self.timeout_s = timeout_s
        self.version = ""
        self.out_path = Path()
        self.events: list[dict[str, Any]] = []
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=40)
        self._killed = False
        self._sent = False
        self._readers: list[threading.Thread] = []

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        """True while the child runs (a spare one waits for its manifest)."""
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        return [self.python, "-m", CHILD_MODULE, "-"]  # the manifest comes on stdin

    def start(self) -> None:
        """Launch the child (a fresh interpreter, never fork) in its own session.

        It imports torch at once and then waits for its manifest on stdin, so the seconds of
        start-up overlap with building the manifest (or pass before it is needed: prewarm).
        """
        if self._proc is not None:
            raise RuntimeError("this retrain job was started already")
        env = dict(os.environ)
        root = str(config.PROJECT_DIR)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        env.setdefault("PYTHONUNBUFFERED", "1")
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
            for event in parse_events(line):
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

    def run(
        self,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> ChildOutcome:
        """Wait for the child (after send), relaying progress; never raises Cancelled."""
        t0 = time.perf_counter()
        if not self._sent:
            raise RuntimeError("send() the manifest before run()")
        assert self._proc is not None
        done: dict[str, Any] | None = None
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
            kind = event.get("event")
            if kind == "progress":
                progress(
                    Progress(
                        int(event.get("done", 0)),
                        int(event.get("total", 0)),
                        str(event.get("message", "training")),
                    )
                )
            elif kind == "done":
                done = event
            elif kind == "error":
                error = str(event.get("message", "unknown error"))
        rc = self._proc.wait()
        for t in self._readers:  # they end at the pipes' EOF; leave no thread behind
            t.join(5.0)
        seconds = time.perf_counter() - t0
        if done is not None and rc == 0 and not self._killed:
            return ChildOutcome(
                "done",
                Path(str(done["checkpoint"])),
                _floats(done.get("metrics")),
                _floats(done["baseline"]) if done.get("baseline") else None,
                returncode=rc,
                seconds=seconds,
            )
        self.discard_output()
        if self._killed and not error:
            return ChildOutcome(
                "cancelled", message="retraining cancelled", returncode=rc, seconds=seconds
            )
        if not error:
            tail = " | ".join(list(self._stderr)[-3:])
            error = f"the training process stopped (exit status {rc}){': ' + tail if tail else ''}"
        return ChildOutcome("failed", message=error, returncode=rc, seconds=seconds)

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


def parse_events(line: str) -> Iterator[dict[str, Any]]:
    """The JSON object on one protocol line; other lines are logged and skipped."""
    line = line.strip()
    if not line:
        return
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        log.debug("retrain child printed a non-JSON line: %s", line[:200])
        return
    if isinstance(obj, dict) and "event" in obj:
        yield obj


def _floats(d: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in (d or {}).items() if isinstance(v, int | float)}


def artwork_group(artist_key: str, title: str | None, image_path: str) -> str:
    """Artist + title with trailing digits stripped (copies of one painting share it)."""
    stem = title or Path(image_path).stem
    return artist_key + "|" + _TRAILING_DIGITS.sub("", stem.lower()).strip()


def is_holdout(group: str, fraction: float) -> bool:
    """A stable choice per artwork: the same items are held out at every retrain."""
    h = int.from_bytes(hashlib.sha256(group.encode()).digest()[:8], "big")
    return (h / 2**64) < fraction


def compare(
    new: dict[str, float],
    base: dict[str, float] | None,
    tolerance: float,
    year_tolerance: float = 0.02,
) -> str | None:
    """None when `new` is not worse than `base` on the held-out items, else the reason.

    Artist top-1 may not drop by more than `tolerance`; decade accuracy, a coarser and
    noisier signal, by more than `year_tolerance`.
    """
    if base is None:
        return None
    worse = []
    for k, tol in zip(COMPARED, (tolerance, year_tolerance), strict=True):
        if k in new and k in base and new[k] < base[k] - tol:
            worse.append(f"{k.replace('_', ' ')} {new[k]:.3f} < {base[k]:.3f}")
    return ("worse than the active model on held-out items: " + ", ".join(worse)) if worse else None


class RetrainService:
    """Builds manifests, runs jobs, validates and registers versions, rolls back."""

    def __init__(
        self,
        catalogue: Catalogue,
        suggestions: SuggestionService,
        *,
        models_dir: Path | None = None,
        settings: RetrainSettings | None = None,
        python: str | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.suggestions = suggestions
        self.models_dir = models_dir or models_dir_for(catalogue)
        self.settings = settings or RetrainSettings()
        self.python = python
        self._lock = threading.Lock()
        self._running: RetrainJob | None = None
        self._spare: RetrainJob | None = None
        self._backoff = 0
        self.models_dir.mkdir(parents=True, exist_ok=True)
        for p in clean_temp_files(self.models_dir):
            log.info("removed %s left by an interrupted retrain", p)

    # -- triggers -----------------------------------------------------------------------------

    def confirmations_since_last_model(self) -> int:
        """Accepted or edited values since the newest model version (undos subtract)."""
        versions = [
            v for v in self.catalogue.model_versions() if not v.version.startswith("starter")
        ]
        since = versions[0].created_at if versions else None
        limit = max(500, 20 * self.settings.confirmations_trigger)
        n = 0
        for d in self.catalogue.last_decisions(limit):
            if since is not None and d.at <= since:
                break
            if d.field not in (Field.ARTIST, Field.DATE):
                continue
            n += {Action.ACCEPT: 1, Action.EDIT: 1, Action.UNDO: -1}.get(d.action, 0)
        return max(n, 0)

    def should_retrain(self) -> bool:
        """True when enough new confirmations arrived (the GUI asks this when idle).

        Near the trigger (settings.prewarm_at of it) a spare child is started, so that the
        retrain, when it comes, does not wait seconds for torch to load.
        """
        if self._running is not None:
            return False
        n = self.confirmations_since_last_model()
        # After a cancelled or failed run, wait for another N before trying on our own again.
        trigger = self.settings.confirmations_trigger + self._backoff
        if self.settings.prewarm_at and n >= self.settings.prewarm_at * trigger:
            self.prewarm()
        return n >= trigger

    @property
    def running(self) -> bool:
        return self._running is not None

    # -- the three steps ----------------------------------------------------------------------

    def build_items(self) -> list[ManifestItem]:
        """Every confirmed artist or year in the catalogue (imported, accepted, edited)."""
        names = self.suggestions.artist_names()
        cache = self.suggestions.cache
        backbone, views = self.suggestions.backbone, self.suggestions.views
        out: list[ManifestItem] = []
        ids: set[int] = set()
        for q in (AssetQuery(missing_artist=False), AssetQuery(missing_date=False)):
            ids.update(self.catalogue.asset_ids(q))
        ordered = sorted(ids)
        for start in range(0, len(ordered), _PAGE):
            for a in self.catalogue.get_assets(ordered[start : start + _PAGE]):
                artist = None
                art = a.fields.get(Field.ARTIST)
                key = ""
                if art is not None:
                    ref = parse_artist(art.value)
                    # "After X", "Workshop of X" and anonymous cultures are not X's hand.
                    if ref.is_person and ref.qualifier is None:
                        key = ref.key
                        artist = names.get(key, ref.name)
                year = None
                date = a.fields.get(Field.DATE)
                if date is not None and date.year_from is not None:
                    hi = date.year_to if date.year_to is not None else date.year_from
                    if hi - date.year_from <= MAX_YEAR_SPAN:
                        year = (date.year_from + hi) // 2
                if artist is None and year is None:
                    continue
                group = artwork_group(key, a.title, a.image_path)
                files = [
                    str(cache.path(a.checksum, backbone, v).relative_to(cache.root)) for v in views
                ]
                out.append(
                    ManifestItem(
                        checksum=a.checksum,
                        artist=artist,
                        year=year,
                        genre=a.value(Field.GENRE),
                        style=a.value(Field.STYLE),
                        medium=a.value(Field.MEDIUM),
                        title=a.title,
                        group=group,
                        holdout=is_holdout(group, self.settings.holdout_fraction),
                        files=files,
                    )
                )
        return out

    def new_version_name(self) -> str:
        n = len(self.catalogue.model_versions()) + 1
        return f"m{n:03d}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"

    def prewarm(self) -> None:
        """Start a spare child now (it loads torch and waits), so a retrain starts at once.

        The GUI calls this when the trigger is near; the spare exits with the app.
        """
        if self._spare is None or not self._spare.alive:
            self._spare = RetrainJob(python=self.python, timeout_s=self.settings.timeout_s)
            self._spare.start()

    def close(self) -> None:
        """Stop a spare child that is still waiting."""
        if self._spare is not None:
            self._spare.cancel(grace_s=1.0)
            self._spare = None

    def manifest(self, version: str) -> Manifest:
        """The manifest of a new version: every confirmed label (database reads only)."""
        model = self.suggestions.current_model()
        starter = self.suggestions.starter_path
        threads = self.settings.num_threads
        if threads is None:
            from heritage_desk.ml.runtime import default_num_threads

            threads = default_num_threads()
        return Manifest(
            version=version,
            backbone=self.suggestions.backbone,
            views=list(self.suggestions.views),
            cache_dir=str(self.suggestions.cache.root),
            items=self.build_items(),
            starter=str(starter) if starter else None,
            baseline=str(model.path) if model else None,
            baseline_version=model.version if model else None,
            num_threads=threads,
            epochs=self.settings.epochs,
            refit_all=self.settings.refit_all,
            warm_start=self.settings.warm_start,
        )

    def prepare(self) -> RetrainJob:
        """Start (or reuse a spare) child, build the manifest meanwhile and send it to it."""
        if self._running is not None:
            raise RuntimeError("a retrain is running already")
        job, self._spare = self._spare, None
        if job is None or not job.alive:
            job = RetrainJob(python=self.python, timeout_s=self.settings.timeout_s)
            job.start()
        try:
            version = self.new_version_name()
            job.send(self.manifest(version), self.models_dir / f"{version}.safetensors")
        except BaseException:
            job.cancel(grace_s=1.0)
            raise
        self._running = job
        return job

    def register(self, job: RetrainJob, outcome: ChildOutcome) -> RetrainResult:
        """Record the new version; activate it only if it is not worse on held-out items."""
        try:
            return self._register(job, outcome)
        finally:
            self._running = None

    def _register(self, job: RetrainJob, outcome: ChildOutcome) -> RetrainResult:
        if outcome.status != "done" or outcome.checkpoint is None:
            self._backoff = self.confirmations_since_last_model()
            return RetrainResult(outcome.status, outcome.message, seconds=outcome.seconds)
        self._backoff = 0
        reason = compare(
            outcome.metrics, outcome.baseline, self.settings.tolerance, self.settings.year_tolerance
        )
        active = reason is None
        if active:
            base = outcome.baseline
            note = "activated: " + (
                "no model to compare with" if base is None else _summary(outcome.metrics, base)
            )
        else:
            note = f"not activated: {reason}"
        metrics = {f"holdout_{k}": v for k, v in outcome.metrics.items()}
        metrics.update({f"baseline_{k}": v for k, v in (outcome.baseline or {}).items()})
        metrics["train_seconds"] = outcome.seconds
        self._ensure_starter_registered()
        version = self.catalogue.add_model_version(
            job.version, str(outcome.checkpoint), metrics=metrics, note=note, active=active
        )
        changes = Changes(model=True)
        if active:
            self.suggestions.reload_model()
        status = "activated" if active else "kept"
        return RetrainResult(
            status, note, version, outcome.metrics, outcome.baseline, changes, outcome.seconds
        )

    def _ensure_starter_registered(self) -> None:
        """Record the starter as a version once, so that rolling back to it is one action."""
        starter = self.suggestions.starter_path
        if starter is None:
            return
        name = starter_version(starter)
        versions = self.catalogue.model_versions()
        if any(v.version == name for v in versions):
            return
        first = not any(v.active for v in versions)
        self.catalogue.add_model_version(
            name,
            str(starter),
            note="activated: the starter model shipped with the app",
            active=first,
            created_at=datetime(2000, 1, 1, tzinfo=UTC),
        )

    def retrain(
        self,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        *,
        refresh: bool = True,
        first: Sequence[int] = (),
        on_batch: Callable[[Changes], None] | None = None,
    ) -> RetrainResult:
        """Prepare, run the child, register; then recompute suggestions if a model switched.

        `first` and `on_batch` go to SuggestionService.refresh (the page on screen first).
        """
        with self._lock:
            job = self.prepare()
            try:
                outcome = job.run(progress, cancel)
            except BaseException:
                job.cancel()
                self.register(job, ChildOutcome("failed", message="interrupted"))
                raise
            result = self.register(job, outcome)
        if result.activated and refresh:
            changes = self.suggestions.refresh(
                progress, cancel, embed=False, first=first, on_batch=on_batch
            )
            result = dataclasses.replace(result, changes=result.changes | changes)
        return result

    # -- versions -----------------------------------------------------------------------------

    def versions(self) -> list[ModelVersion]:
        """Every version with its metrics and note (why it is or is not active), newest first."""
        return self.catalogue.model_versions()

    def activate(self, version: str) -> Changes:
        """Make `version` the active model; suggestions are recomputed by the caller (refresh)."""
        changes = self.catalogue.set_active_model(version)
        self.suggestions.reload_model()
        return changes

    def rollback(self) -> Changes:
        """Activate the version that was in use before the active one (one action)."""
        versions = self.catalogue.model_versions()
        active = next((v for v in versions if v.active), None)
        if active is None:
            return Changes()
        older = [
            v
            for v in versions
            if v.created_at < active.created_at
            and v.note.startswith("activated")
            and Path(v.path).exists()
        ]
        if not older:
            raise ValueError(f"no earlier model to roll back to from {active.version}")
        return self.activate(older[0].version)


def _summary(new: dict[str, float], base: dict[str, float]) -> str:
    parts = [
        f"{k.replace('_', ' ')} {new[k]:.3f} vs {base[k]:.3f}"
        for k in COMPARED
        if k in new and k in base
    ]
    return ("held-out " + ", ".join(parts)) if parts else "no held-out items to compare on"


@dataclass
class SupervisorSteps:
    """The three steps in the shape workers.retrain.RetrainSupervisor expects.

    prepare and finish run on the catalogue executor, run on the supervisor thread. After an
    activation, recompute suggestions in the background (SuggestionService.refresh with the
    page on screen `first`); `result.changes.model` tells the views.
    """

    service: RetrainService

    def prepare(self, services: Any) -> RetrainJob:
        return self.service.prepare()

    def run(
        self, job: RetrainJob, on_event: Callable[[dict[str, Any]], None], cancel: CancelToken
    ) -> tuple[RetrainJob, ChildOutcome]:
        return job, job.run(cancel=cancel, on_event=on_event)

    def finish(self, services: Any, outcome: tuple[RetrainJob, ChildOutcome]) -> RetrainResult:
        job, child = outcome
        return self.service.register(job, child)
