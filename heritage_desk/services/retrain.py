"""Background retraining: the service that builds, runs and registers model versions.

The database work (building the manifest, registering the version) and the child process are
separate steps, so a GUI can run the first and last on its catalogue executor and wait for the
child on another thread: `job = service.prepare()`, `outcome = job.run(progress, cancel)`,
`result = service.register(job, outcome)`. `service.retrain()` does all three (CLI, tests).

Where the parts live: retrain_labels (which confirmed labels go into the manifest),
retrain_manifest (the manifest format), retrain_job (the child process seen from here),
retrain_child + retrain_training (the child itself), retrain_versions (model files, the
activation and rollback policy), retrain_lock (one retrain per catalogue across processes:
held from prepare to register, so the GUI's auto-retrain and `heritage-desk retrain` never run
at once; the second gets RetrainBusyError at once).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heritage_desk.core.model import UNKNOWN_ARTIST, Action, Changes, Field, ModelVersion
from heritage_desk.core.progress import CancelToken, ProgressCallback, no_progress
from heritage_desk.services.model_store import (
    ModelStore,
    clean_temp_files,
    clean_unregistered_checkpoints,
)
from heritage_desk.services.retrain_job import ChildOutcome, RetrainJob
from heritage_desk.services.retrain_labels import confirmed_items
from heritage_desk.services.retrain_lock import RetrainBusyError, retrain_lock
from heritage_desk.services.retrain_manifest import Manifest, ManifestItem
from heritage_desk.services.retrain_protocol import ChildStatus, RetrainStatus
from heritage_desk.services.retrain_versions import (
    compare,
    ensure_starter_registered,
    models_dir_for,
    next_version_name,
    rollback_target,
    summary,
)
from heritage_desk.services.suggestions import SuggestionService
from heritage_desk.storage.catalogue import Catalogue

__all__ = [
    "ChildOutcome",
    "RetrainBusyError",
    "RetrainJob",
    "RetrainResult",
    "RetrainService",
    "RetrainSettings",
    "RetrainStatus",
    "clean_temp_files",
    "compare",
    "models_dir_for",
]

log = logging.getLogger(__name__)


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
class RetrainResult:
    """What a retrain did: activated a new version, kept it inactive (and why), or nothing."""

    status: RetrainStatus
    reason: str
    version: ModelVersion | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] | None = None
    changes: Changes = field(default_factory=Changes)
    seconds: float = 0.0

    @property
    def activated(self) -> bool:
        return self.status is RetrainStatus.ACTIVATED


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
        curator: str | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.suggestions = suggestions
        if models_dir is not None and models_dir != suggestions.store.folder:
            # One store for both services: what this one registers, that one loads.
            suggestions.store = ModelStore(
                catalogue, folder=models_dir, starter=suggestions.starter_path
            )
        #: The catalogue's model files: registered here, loaded by the suggestion service.
        self.store = suggestions.store
        self.models_dir = self.store.folder
        self.settings = settings or RetrainSettings()
        self.python = python
        self._lock = threading.Lock()
        self._running: RetrainJob | None = None
        self._spare: RetrainJob | None = None
        self._backoff = 0
        self.models_dir.mkdir(parents=True, exist_ok=True)
        # One retrain per catalogue: a file lock beside SQLite, an advisory lock on PostgreSQL.
        self._guard = retrain_lock(catalogue, self.models_dir, curator)
        self._clean_leftovers()

    def _clean_leftovers(self) -> None:
        """Remove what interrupted retrains left (temp files, unregistered checkpoints).

        Only under the retrain lock: while another process retrains this catalogue its temp
        file and its just-saved checkpoint are in use, so nothing is touched then.
        """
        try:
            self._guard.acquire()
        except (RetrainBusyError, OSError) as exc:
            log.info("leftovers of earlier retrains not cleaned now: %s", exc)
            return
        try:
            for p in clean_temp_files(self.models_dir):
                log.info("removed %s left by an interrupted retrain", p)
            for p in clean_unregistered_checkpoints(self.models_dir, self.catalogue):
                log.info("removed %s: a retrain's output that was never registered", p)
        except Exception as exc:  # a clean-up is never a reason not to start
            log.warning("could not clean the models folder %s: %s", self.models_dir, exc)
        finally:
            self._guard.release()

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
            if d.field not in (Field.ARTIST, Field.DATE) or d.new_value == UNKNOWN_ARTIST:
                continue  # "none of the painters I know" is no label to learn from
            n += {Action.ACCEPT: 1, Action.EDIT: 1, Action.UNDO: -1}.get(d.action, 0)
        return max(n, 0)

    def should_retrain(self) -> bool:
        """True when enough new confirmations arrived (the GUI asks this when idle).

        Near the trigger (settings.prewarm_at of it) a spare child is started, so that the
        retrain, when it comes, does not wait seconds for torch to load.
        """
        if self._running is not None or self._guard.busy():  # busy: another process retrains
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

    def ensure_not_running(self) -> None:
        """Raise RetrainBusyError now if this catalogue is being retrained (say, by the GUI).

        A courtesy before slow preparations (the CLI embeds first); prepare() is the guard.
        """
        if self._running is not None:
            raise RetrainBusyError(self.catalogue.location, "in this process")
        self._guard.check_free()

    # -- the three steps ----------------------------------------------------------------------

    def build_items(self) -> list[ManifestItem]:
        """Every confirmed artist or year in the catalogue (imported, accepted, edited)."""
        return confirmed_items(self.catalogue, self.suggestions, self.settings.holdout_fraction)

    def new_version_name(self) -> str:
        """A name for the next version: its number and the time."""
        return next_version_name(self.catalogue)

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
        """Take the retrain lock, start (or reuse a spare) child, send it the manifest.

        Raises RetrainBusyError at once when this catalogue is being retrained already, here
        or in another process; register() gives the lock back.
        """
        if self._running is not None:
            raise RetrainBusyError(self.catalogue.location, "in this process")
        self._guard.acquire()
        try:
            job, self._spare = self._spare, None
            if job is None or not job.alive:
                job = RetrainJob(python=self.python, timeout_s=self.settings.timeout_s)
                job.start()
            try:
                version = self.new_version_name()
                job.send(self.manifest(version), self.store.checkpoint_path(version))
            except BaseException:
                job.cancel(grace_s=1.0)
                raise
        except BaseException:
            self._guard.release()
            raise
        self._running = job
        return job

    def register(
        self,
        job: RetrainJob,
        outcome: ChildOutcome,
        curves: dict[str, list[float]] | None = None,
    ) -> RetrainResult:
        """Record the new version; activate it only if it is not worse on held-out items.

        `curves` (training curves the caller recorded from the child's events) are kept with
        the version's files.
        """
        try:
            return self._register(job, outcome, curves)
        finally:
            self._running = None
            self._guard.release()

    def _register(
        self, job: RetrainJob, outcome: ChildOutcome, curves: dict[str, list[float]] | None
    ) -> RetrainResult:
        if outcome.status is not ChildStatus.DONE or outcome.checkpoint is None:
            self._backoff = self.confirmations_since_last_model()
            stopped = outcome.status is ChildStatus.CANCELLED
            status = RetrainStatus.CANCELLED if stopped else RetrainStatus.FAILED
            return RetrainResult(status, outcome.message, seconds=outcome.seconds)
        self._backoff = 0
        reason = compare(
            outcome.metrics, outcome.baseline, self.settings.tolerance, self.settings.year_tolerance
        )
        active = reason is None
        if active:
            base = outcome.baseline
            note = "activated: " + (
                "no model to compare with" if base is None else summary(outcome.metrics, base)
            )
        else:
            note = f"not activated: {reason}"
        metrics = {f"holdout_{k}": v for k, v in outcome.metrics.items()}
        metrics.update({f"baseline_{k}": v for k, v in (outcome.baseline or {}).items()})
        metrics["train_seconds"] = outcome.seconds
        ensure_starter_registered(self.catalogue, self.suggestions.starter_path)
        version = self.store.register(
            job.version, outcome.checkpoint, metrics=metrics, note=note, active=active,
            curves=curves,
        )  # fmt: skip
        changes = Changes(model=True)
        if active:
            self.suggestions.reload_model()
        status = RetrainStatus.ACTIVATED if active else RetrainStatus.KEPT
        return RetrainResult(
            status, note, version, outcome.metrics, outcome.baseline, changes, outcome.seconds
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
                self.register(job, ChildOutcome(ChildStatus.FAILED, message="interrupted"))
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
        target = rollback_target(self.catalogue.model_versions(), self.store.available)
        return Changes() if target is None else self.activate(target.version)
