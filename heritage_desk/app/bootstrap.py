"""Start-up and shut-down: logging, the single-instance lock, workers, the window, screenshots."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLockFile, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from heritage_desk import __version__, config
from heritage_desk.app.switch import CatalogueSwitcher
from heritage_desk.core.progress import Progress
from heritage_desk.core.redact import PrivateRotatingFileHandler, redact, redact_handlers
from heritage_desk.gui.main_window import MainWindow, WindowParts
from heritage_desk.gui.settings import AppSettings
from heritage_desk.services.desk import Desk
from heritage_desk.services.image_paths import ImageResolver
from heritage_desk.services.inference_engine import InferenceEngine
from heritage_desk.services.retrain_protocol import RetrainStatus
from heritage_desk.services.retrain_steps import RetrainSteps
from heritage_desk.services.thumbnails import ThumbnailCache
from heritage_desk.storage import db
from heritage_desk.storage.base import read_only_message
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.csv_input import FIELD_TARGETS, KEY_TARGETS
from heritage_desk.storage.errors import CatalogueError, CatalogueReadOnlyError
from heritage_desk.workers import operations
from heritage_desk.workers.inference import InferenceWorker
from heritage_desk.workers.ops import DbExecutor
from heritage_desk.workers.progress import JobProgress
from heritage_desk.workers.retrain import RetrainSupervisor
from heritage_desk.workers.thumbnails import ThumbnailLoader

if TYPE_CHECKING:
    from heritage_desk.services.retrain import RetrainResult

log = logging.getLogger(__name__)

DEMO_NAME = "demo.sqlite"
#: A retrain due after enough confirmations starts once the curator pauses this long.
AUTO_RETRAIN_IDLE_MS = 20_000


@dataclass
class GuiOptions:
    """What `heritage-desk gui` was asked to do."""

    location: str | None = None
    demo: bool = False
    data_dir: str | None = None
    screenshot: str | None = None
    show: str = "main"
    size: tuple[int, int] = (1280, 820)
    timeout: float = 120.0
    verbose: bool = False
    with_model: bool = True


class InstanceLockedError(CatalogueError):
    """Another heritage_desk window has this SQLite catalogue open."""


def setup_logging(paths: config.Paths, verbose: bool = False) -> Path:
    """Log to a rotating file in the user log folder (and warnings to stderr)."""
    paths.logs.mkdir(parents=True, exist_ok=True)
    target = paths.logs / "heritage_desk.log"
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(target) for h in root.handlers):
        # 0600 and passwords masked: a log may name a PostgreSQL URL (issue 16 item 3).
        h = PrivateRotatingFileHandler(target, maxBytes=2_000_000, backupCount=3)
        h.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
        )
        root.addHandler(h)
    redact_handlers(root)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    return target


def configure_qsettings(app: QApplication, paths: config.Paths, isolated: bool) -> None:
    """Names for QSettings; with --data-dir the settings live there too (tests, portable)."""
    app.setOrganizationName("heritage_desk")
    app.setApplicationName("heritage_desk")
    app.setDesktopFileName("heritage-desk")  # matches installer/linux/heritage-desk.desktop
    app.setApplicationVersion(__version__)
    if isolated:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(paths.data))


def acquire_lock(location: str | Path) -> QLockFile | None:
    """A lock beside a SQLite catalogue; InstanceLockedError if another instance holds it,
    CatalogueReadOnlyError if the window could not save there (a read-only file or folder)."""
    path = db.sqlite_path(db.resolve_url(location))
    if path is None:
        return None  # PostgreSQL: several curators at once is the point
    reason = db.read_only_reason(path)
    if reason:  # was "already open in another window": the lock file cannot be made there
        raise CatalogueReadOnlyError(read_only_message(str(path), f"{reason} {path.parent}"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogueReadOnlyError(f"cannot create {path.parent}: {exc.strerror}") from None
    lock = QLockFile(str(path) + ".lock")
    lock.setStaleLockTime(0)  # stale only if its process is gone, however old
    if not lock.tryLock(100):
        if lock.error() != QLockFile.LockError.LockFailedError:  # could not write the lock
            raise CatalogueReadOnlyError(
                f"cannot create the lock file {path}.lock ({lock.error().name}): the folder "
                f"{path.parent} is read-only or full; copy the catalogue to a writable folder"
            )
        info = lock.getLockInfo()  # PySide6 returns (pid, host, app), or with a leading ok
        pid, host = (info[-3], info[-2]) if isinstance(info, tuple) and len(info) >= 3 else (0, "")
        if pid == os.getpid():  # File > Open of the catalogue this window shows
            raise InstanceLockedError(f"{path} is already open in this window")
        who = f" (process {pid} on {host})" if pid else ""
        raise InstanceLockedError(
            f"{path} is already open in another heritage_desk window{who}; "
            "close it there, or open a copy"
        )
    return lock


class DeskApp:
    """One open catalogue with its executor, workers and window; `close()` undoes it all."""

    def __init__(
        self,
        location: str | Path,
        paths: config.Paths,
        *,
        images_root: Path | None = None,
        with_model: bool = True,
        settings: AppSettings | None = None,
        suggestion_options: dict[str, Any] | None = None,
        retrain_options: dict[str, Any] | None = None,
    ) -> None:
        self.paths = paths.ensure()
        #: The catalogue's path or URL, as opened (tests open a second connection to check it).
        self.location = location
        self.settings = settings or AppSettings()
        self.lock = acquire_lock(location)
        try:
            # Only the Desk (on the executor) uses it; the app closes it at the end.
            self._catalogue = Catalogue.open(location)
            try:  # never save a curator's decision into a damaged file (issue 16, Low)
                self._catalogue.ensure_sound(db.QUICK_CHECK_MAX_BYTES)
            except CatalogueError:
                self._catalogue.close()
                raise
        except Exception:
            if self.lock is not None:
                self.lock.unlock()
            raise
        resolver = ImageResolver(self._catalogue, [images_root] if images_root else [])
        threads = {"num_threads": self.settings.torch_threads}
        self.desk = Desk(
            self._catalogue, self.paths, resolver, images_root, with_model,
            {**threads, **(suggestion_options or {})}, {**threads, **(retrain_options or {})},
        )  # fmt: skip
        self.executor = DbExecutor(self.desk)
        cache = ThumbnailCache(self.paths.thumbnails)
        cache.clear_temp()

        def load(path: str, checksum: str | None, size: int) -> bytes:
            return cache.get_bytes(resolver(path), checksum, size)

        # A short GIL switch interval: the GUI thread waits at most ~1 ms for worker threads.
        sys.setswitchinterval(0.001)
        cores = os.cpu_count() or 2
        self.thumbnails = ThumbnailLoader(load, threads=max(1, min(3, cores - 1)), capacity=3000)
        self.previews = ThumbnailLoader(load, threads=1, capacity=12, max_pending=4)
        self.inference: InferenceWorker | None = None
        self.background_started = False
        self.retrain: RetrainSupervisor | None = None
        device = self.settings.device
        self.engine = InferenceEngine(device, self.settings.torch_threads)
        if with_model:
            self.inference = InferenceWorker(self.engine)
            self.retrain = RetrainSupervisor(RetrainSteps())
        label = {"auto": "CPU/GPU: auto", "cpu": "CPU", "cuda": "GPU (CUDA)"}[device]
        parts = WindowParts(
            self.executor, self.thumbnails, self.previews, self.settings,
            self.desk.location, label, self.inference, self.retrain,
            KEY_TARGETS + FIELD_TARGETS,
        )  # fmt: skip
        self.window = MainWindow(parts)
        icon = config.resources_dir() / "icons" / "heritage-desk.png"
        if icon.is_file():
            self.window.setWindowIcon(QIcon(str(icon)))
        if self.inference is not None:
            self.inference.stored.connect(lambda _c: self._show_device())
        # Retrain by itself after enough confirmations, once the curator pauses (issue 5).
        self.idle_timer = QTimer(self.window, singleShot=True, interval=AUTO_RETRAIN_IDLE_MS)
        self.idle_timer.timeout.connect(self._maybe_retrain)
        self.window.review.decided.connect(lambda _c: self.idle_timer.start())
        if self.retrain is not None:
            self.retrain.finished.connect(self._after_retrain)

    def _maybe_retrain(self) -> None:
        sup = self.retrain
        if sup is None or sup.running() or (self.inference and self.inference.is_busy()):
            return

        def start_if_due(due: bool) -> None:
            if due:
                sup.start()

        operations.should_retrain().success(start_if_due).run()

    def _after_retrain(self, result: RetrainResult) -> None:
        """A new active model: recompute the suggestions of every unreviewed asset."""
        self.window.refresh_model_label()
        if result.status is RetrainStatus.ACTIVATED:
            self.start_suggestions()

    def _show_device(self) -> None:
        kind = self.engine.device_kind
        if kind is not None:
            threads = self.settings.torch_threads
            text = "GPU (CUDA)" if kind == "cuda" else f"CPU, {threads} thread{'s' * (threads > 1)}"
            self.window.device_label.setText(text)

    def start(self, import_from: tuple[Path, Path | None] | None = None) -> None:
        """Import first when asked (the demo's first run), then suggest in the background."""
        if import_from is None:
            self.start_suggestions()
            return
        images, csv_path = import_from
        job = JobProgress(parent=self.window)
        w = self.window
        w.job_bar.show()
        w.job_bar.setFormat("importing %v/%m")

        def show(p: Progress) -> None:
            w.job_bar.setRange(0, max(1, p.total))
            w.job_bar.setValue(p.done)

        job.progressed.connect(show)

        def done(_report: object) -> None:
            w.job_bar.hide()
            w.refresh_vocabulary()
            self.start_suggestions()

        csv = str(csv_path) if csv_path else None
        operations.import_collection(str(images), csv, None, job.report, job.token).success(
            done
        ).run()

    def start_suggestions(self) -> None:
        """Suggest for every asset that lacks a value, unsuggested ones first."""
        if self.inference is not None:
            inf = self.inference

            def begin(ids: list[int]) -> None:
                self.background_started = True
                inf.start_backlog(ids)

            operations.needing_suggestions().success(begin).run()

    def background_done(self) -> bool:
        """Whether the start-up pass (suggest what is missing, embed the rest) has finished."""
        inf = self.inference
        return inf is None or (
            self.background_started and not inf.backlog_left() and not inf.is_busy()
        )

    def close(self) -> None:
        """Close the window, stop every thread, release the catalogue and the lock."""
        self.window.save_state()
        self.window.close()
        self.window.shutdown()
        if self.retrain is not None:
            self.retrain.shutdown()
        if self.inference is not None:
            self.inference.shutdown()
        self.thumbnails.shutdown()
        self.previews.shutdown()
        self.executor.shutdown()
        self._catalogue.close()
        if self.lock is not None:
            self.lock.unlock()


def demo_location(paths: config.Paths) -> tuple[Path, bool]:
    """The demo catalogue's file and whether it still needs its import."""
    target = paths.data / DEMO_NAME
    if not target.exists():
        return target, True
    with Catalogue.open(target) as cat:
        return target, cat.count_assets() == 0


def run(opts: GuiOptions, t0: float) -> int:
    """Open the window and run the event loop; returns the exit status."""
    paths = config.paths(opts.data_dir).ensure()
    logfile = setup_logging(paths, opts.verbose)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    configure_qsettings(
        app, paths, isolated=bool(opts.data_dir or config.DATA_DIR_ENV in os.environ)
    )
    images_root: Path | None = None
    needs_import = False
    location: str | Path
    if opts.demo:
        location, needs_import = demo_location(paths)
        images_root = config.resources_dir() / "demo"
    else:
        location = opts.location or paths.default_catalogue
    try:
        desk = DeskApp(location, paths, images_root=images_root, with_model=opts.with_model)
    except CatalogueError as exc:
        log.error("cannot open %s: %s", location, exc)
        if not opts.screenshot:
            QMessageBox.critical(None, "heritage_desk", redact(str(exc)))
        print(f"heritage-desk: error: {redact(str(exc))}", file=sys.stderr)
        return 1
    log.info("heritage_desk %s opened %s (log %s)", __version__, desk.desk.location, logfile)
    if opts.screenshot:
        desk.window.resize(*opts.size)
    desk.window.show()
    demo_import = (
        (images_root, images_root / "metadata.csv") if needs_import and images_root else None
    )
    desk.start(demo_import)
    switcher = CatalogueSwitcher(
        desk, lambda loc: DeskApp(loc, paths, with_model=opts.with_model)
    )  # File ▸ Open / New / Recent
    status = 0
    if opts.screenshot:
        from heritage_desk.app.screenshot import Screenshot

        shot = Screenshot(desk, Path(opts.screenshot), opts.show, opts.timeout)
        QTimer.singleShot(0, shot.begin)
        app.exec()
        status = shot.status
    else:
        app.exec()
    switcher.desk.close()
    log.info("closed after %.1f s", time.perf_counter() - t0)
    return status


def run_gui(opts: GuiOptions) -> int:
    """`heritage-desk gui`: open the window and run until it closes."""
    return run(opts, time.perf_counter())


__all__ = ["DeskApp", "GuiOptions", "Progress", "run_gui"]
