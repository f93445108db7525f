"""The curator's window: collection, detail, suggestions, menus with every shortcut."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QLabel,
    QMenu,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.model import PREDICTED_FIELDS, Changes, Field, needs_value
from heritage_desk.core.views import AssetDetail
from heritage_desk.gui import badges, theme
from heritage_desk.gui.catalogue_menu import CatalogueMenu
from heritage_desk.gui.collection_model import CollectionModel
from heritage_desk.gui.collection_view import VOCAB_FIELDS, CollectionView
from heritage_desk.gui.image_view import ImageView
from heritage_desk.gui.loupe import ViewModes
from heritage_desk.gui.metadata_form import COMBO_FIELDS, MetadataForm
from heritage_desk.gui.notify import RetrainNotice
from heritage_desk.gui.previews import Previews
from heritage_desk.gui.review import ReviewController
from heritage_desk.gui.session import Session, dark_theme_saved, save_dark_theme
from heritage_desk.gui.settings import AppSettings
from heritage_desk.gui.stage import ReviewStage
from heritage_desk.gui.suggestions_panel import SuggestionsPanel
from heritage_desk.gui.team_follow import TeamFollower
from heritage_desk.gui.undo_history import UndoMenu
from heritage_desk.gui.window_commands import WindowCommands
from heritage_desk.workers import operations
from heritage_desk.workers.inference import InferenceWorker
from heritage_desk.workers.ops import DbExecutor
from heritage_desk.workers.thumbnails import ThumbnailLoader

log = logging.getLogger(__name__)


@dataclass
class WindowParts:
    """What the composition root hands the window: workers and facts, never storage."""

    executor: DbExecutor
    thumbnails: ThumbnailLoader
    previews: ThumbnailLoader
    settings: AppSettings
    location: str
    device: str = "CPU"
    inference: InferenceWorker | None = None
    retrain: Any = None  # workers.retrain.RetrainSupervisor
    import_targets: tuple[str, ...] = ()


#: How the model status reads when the catalogue's active model cannot be loaded here.
UNLOADABLE = "cannot be loaded"


class MainWindow(WindowCommands):
    """Collection on the left; image, metadata and suggestions on the right."""

    #: Emitted each time a detail (with or without suggestions) has been put on screen.
    detail_shown = Signal(object)
    #: File ▸ Open / New / Recent: the app closes this catalogue and opens the location.
    switch_requested = Signal(str)

    def __init__(self, parts: WindowParts) -> None:
        super().__init__()  # the top-level window: no parent
        self.parts = parts
        self.executor = parts.executor
        self.settings = parts.settings
        self.setWindowTitle(f"heritage_desk — {parts.location}")
        self.model = CollectionModel(parts.thumbnails, self)
        self.collection = CollectionView(self.model)
        self.image = ImageView()
        self.form = MetadataForm()
        self.suggestions = SuggestionsPanel(parts.thumbnails)
        self.review = ReviewController(self.collection, self.settings, parts.inference, self)
        badges.install(self.collection.grid, self.collection.table)
        self.previews = Previews(parts.previews, parts.thumbnails, self)
        self.stage = ReviewStage(self.image, self.previews, self.model, self.collection.selection)
        self._build_layout()
        self.modes = ViewModes(
            self, self.stage, self.collection, self.side, self.return_focus,
            lambda aid: self.review.on_changes(Changes(asset_ids=frozenset({aid}))),
        )  # fmt: skip
        self.session = Session(
            parts.location, self.collection, self.review, {"main": self.splitter, "side": self.side}
        )
        self.actions_by_name: dict[str, QAction] = {}
        self._build_menus()
        names = self.actions_by_name
        self.undo_menu = UndoMenu(self.review, names["undo"], names["redo"], self.executor, self)
        self._build_status()
        self._connect()
        self.model_version: str | None = None
        self._restore_state()
        self.session.start()
        self.refresh_vocabulary()
        self.refresh_stats()
        # Others' decisions and model switches on a shared catalogue show within seconds.
        self.team = TeamFollower(
            self, self.on_changes, lambda t: self.statusBar().showMessage(t, 8000)
        )
        # A background retrain ended: what changed, in a toast and the status bar.
        if parts.retrain is not None:
            self.retrain_notice = RetrainNotice(self, parts.retrain, self.open_model_panel)

    # -- construction ---------------------------------------------------------------------------

    def _build_layout(self) -> None:
        # Collection | the painting (with counter and filmstrip) | metadata over suggestions.
        meta_box = QGroupBox("Metadata")
        QVBoxLayout(meta_box).addWidget(self.form)
        scroll = QScrollArea()
        scroll.setWidget(self.suggestions)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # Never narrower than the candidates' rows: a cut-off percentage helps nobody.
        row = self.suggestions.rows[0].minimumSizeHint().width() + 24  # + the panel's margins
        scroll.setMinimumWidth(max(row, self.suggestions.minimumSizeHint().width()) + 20)
        self.side = QSplitter(Qt.Orientation.Vertical)
        self.side.setObjectName("side")
        self.side.addWidget(meta_box)
        self.side.addWidget(scroll)
        self.side.setStretchFactor(1, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main")
        for w in (self.collection, self.stage, self.side):
            self.splitter.addWidget(w)
        self.splitter.setStretchFactor(1, 1)  # the painting takes the free space
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.resize(1280, 820)
        # The collection and the suggestions as narrow as they can be; the painting takes the rest.
        self.splitter.setSizes([self.collection.minimumSizeHint().width(), 1280, 0])
        self.side.setSizes([250, 520])

    def _action(
        self,
        menu: QMenu,
        name: str,
        text: str,
        slot: Callable[[], object],
        keys: tuple[str | QKeySequence.StandardKey, ...] = (),
    ) -> QAction:
        a = QAction(text, self)
        seqs = [QKeySequence(k) for k in keys]
        a.setShortcuts(seqs)
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.triggered.connect(lambda _checked=False: slot())
        menu.addAction(a)
        self.addAction(a)  # shortcuts work while the menu bar is hidden too
        self.actions_by_name[name] = a
        return a

    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        cats = self.catalogues = CatalogueMenu(self, self.switch_requested.emit)
        keys = QKeySequence.StandardKey
        self._action(m, "open", "&Open catalogue…", cats.open_file, (keys.Open,))
        self._action(m, "open_shared", "Open &shared catalogue (PostgreSQL)…", cats.open_url)
        self._action(m, "new", "&New catalogue…", cats.new_file, (keys.New,))
        m.addMenu(cats.recent)
        m.addSeparator()
        self._action(m, "import", "&Import images…", self.open_import, ("Ctrl+I",))
        self._action(m, "export", "&Export CSV…", self.open_export, ("Ctrl+E",))
        self._action(m, "check", "&Check catalogue…", self.check_catalogue)
        m.addSeparator()
        # One binding: StandardKey.Quit *is* Ctrl+Q on Linux and Windows, and a key bound twice
        # is "ambiguous" to Qt and never delivered.
        self._action(m, "quit", "&Quit", self.request_quit, ("Ctrl+Q",))
        m = bar.addMenu("&Edit")
        self._action(m, "undo", "&Undo", self.review.undo, (QKeySequence.StandardKey.Undo,))
        self._action(m, "redo", "&Redo", self.review.redo, ("Ctrl+Shift+Z", "Ctrl+Y"))
        self._action(m, "undo_history", "Undo &history…", self.open_undo_history, ("Ctrl+Alt+Z",))
        m.addSeparator()
        self._action(m, "search", "&Find (focus search)", self.focus_search, ("Ctrl+F", "/"))
        self._action(m, "settings", "&Settings…", self.open_settings, ("Ctrl+,",))
        m = bar.addMenu("&Review")
        self._action(m, "accept", "&Accept the focused suggestion", self.review.accept,
                     ("A", "Ctrl+Return"))  # fmt: skip
        self._action(m, "accept_both", "Accept &both (artist and date)", self.review.accept_both,
                     ("Shift+A",))  # fmt: skip
        self._action(m, "reject", "&Reject the focused suggestion", self.review.reject,
                     ("R", "Ctrl+Backspace"))  # fmt: skip
        self._action(m, "switch_field", "&Switch field (artist ↔ date)", self.review.switch_focus,
                     ("S",))  # fmt: skip
        for i in range(1, 6):
            self._action(m, f"pick{i}", f"Pick candidate &{i}", partial(self.review.pick, i),
                         (str(i),))  # fmt: skip
        self._action(m, "type", "&Type a value", self.suggestions.focus_value, ("T",))
        self._action(m, "flag", "&Flag for an expert (with a note)…", self.open_flag, ("!",))
        m.addSeparator()
        self._action(m, "next", "&Next asset", lambda: self.collection.step(+1), ("J", "Alt+Down"))
        self._action(m, "prev", "&Previous asset", lambda: self.collection.step(-1),
                     ("K", "Alt+Up"))  # fmt: skip
        m.addSeparator()
        self._action(m, "batch", "&Batch accept…", self.open_batch, ("Ctrl+B",))
        self._action(m, "history", "&History of this asset…", self.open_history, ("H",))
        m = bar.addMenu("&View")
        self._action(m, "grid", "&Thumbnails", lambda: self.show_collection(True), ("Ctrl+1",))
        self._action(m, "table", "T&able", lambda: self.show_collection(False), ("Ctrl+2",))
        m.addMenu(self.collection.columns.menu)
        m.addSeparator()
        md = self.modes
        self._action(m, "loupe", "&Loupe: the painting large", md.toggle_loupe, ("E",))
        self._action(m, "full", "&Full screen: the painting alone", md.toggle_full, ("F",))
        self._action(m, "compare", "&Compare with the evidence", md.toggle_compare, ("C",))
        self._action(m, "evidence_next", "N&ext evidence work", lambda: md.step_evidence(+1),
                     ("]",))  # fmt: skip
        self._action(m, "evidence_prev", "Pre&vious evidence work", lambda: md.step_evidence(-1),
                     ("[",))  # fmt: skip
        self._action(m, "back", "&Back to the work under review", md.back, ("Escape",))
        m.addSeparator()
        self._action(m, "zoom_in", "Zoom &in", lambda: self.stage.zoom(1.25), ("+", "="))
        self._action(m, "zoom_out", "Zoom &out", lambda: self.stage.zoom(0.8), ("-",))
        self._action(m, "zoom_fit", "&Fit image", self.stage.fit, ("0",))
        m.addSeparator()
        dark = self._action(m, "dark", "Neutral &dark-grey theme", lambda: None)
        dark.setCheckable(True)
        dark.toggled.connect(self.set_dark_theme)
        m = bar.addMenu("&Model")
        self._action(m, "model", "&Model panel…", self.open_model_panel, ("Ctrl+M",))
        self._action(m, "suggest_all", "&Suggest for all assets", self.suggest_all, ("Ctrl+G",))
        m = bar.addMenu("&Help")
        self._action(m, "shortcuts", "&Keyboard shortcuts", self.open_shortcuts, ("F1", "?"))
        self._action(m, "guide", "Review &workflow…", self.open_guide)
        self._action(m, "about", "&About heritage_desk", self.open_about)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.count_label = QLabel()
        self.job_bar = QProgressBar()
        self.job_bar.setMaximumWidth(240)  # room for "1,234/5,000, 4 min 05 s left"
        self.job_bar.setTextVisible(True)
        self.job_bar.hide()
        self.job_cancel = QToolButton()
        self.job_cancel.setText("Cancel")
        self.job_cancel.hide()
        self.job_cancel.clicked.connect(self.cancel_background)
        self.model_label = QLabel()
        self.device_label = QLabel(self.parts.device)
        self.device_label.setToolTip("Where the model runs (Edit ▸ Settings to choose)")
        sb.addWidget(self.count_label)
        permanent: list[QWidget] = [self.job_bar, self.job_cancel, self.model_label]
        for w in [*permanent, self.device_label]:
            sb.addPermanentWidget(w)

    def _connect(self) -> None:
        self.collection.filters.changed.connect(self.collection.apply_query)
        self.model.loaded.connect(lambda _n: self._update_count())
        self.review.detail_changed.connect(self.show_detail)
        self.review.message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.form.edited.connect(self.review.edit)
        s = self.suggestions
        s.accept_requested.connect(self.review.accept)
        s.accept_both_requested.connect(self.review.accept_both)
        s.focus_requested.connect(self.review.set_focus)
        self.review.focus_changed.connect(s.set_focus_field)
        self.review.date_range = s.date_range
        s.reject_requested.connect(self.review.reject)
        s.pick_requested.connect(self.review.pick)
        s.value_entered.connect(self.review.edit)
        s.typing_finished.connect(self.return_focus)
        s.evidence_opened.connect(self.modes.compare_with)
        self.modes.changed.connect(self._on_mode)
        self.executor.changes.connect(self.on_changes)
        self.executor.error.connect(lambda text: self.statusBar().showMessage(text, 8000))
        inf = self.parts.inference
        if inf is not None:
            inf.progressed.connect(self._on_backlog_progress)
            inf.failed.connect(lambda text: self.statusBar().showMessage(text, 8000))
            inf.failed.connect(lambda _text: self.refresh_model_label())

    # -- state ------------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        q = QSettings()
        geo = q.value("window/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        self.collection.show_grid(str(q.value("window/view", "grid")) != "table")
        self.session.restore_layout(self)
        self.actions_by_name["dark"].setChecked(dark_theme_saved())
        self._on_mode()

    def save_state(self) -> None:
        """Window geometry, view mode and the session (filter, current asset, panes)."""
        self.modes.to_grid()  # sizes and geometry as the grid has them
        self.session.save()
        q = QSettings()
        q.setValue("window/geometry", self.saveGeometry())
        q.setValue("window/view", "grid" if self.collection.is_grid() else "table")

    def show_collection(self, grid: bool) -> None:
        """The thumbnails or the table (leaving the loupe)."""
        self.modes.to_grid()
        self.collection.show_grid(grid)

    def set_dark_theme(self, on: bool) -> None:
        """The neutral dark-grey theme (View menu), remembered."""
        theme.apply(on)
        save_dark_theme(on)

    def _on_mode(self) -> None:
        self.actions_by_name["back"].setEnabled(self.modes.can_go_back())

    def focus_target(self) -> QWidget:
        """Where the review keys go: the collection, or the painting when it is hidden."""
        view = self.collection.active_view()
        return self.stage.focus_target() if self.collection.isHidden() else view

    def shutdown(self) -> None:
        """Stop timers and drop dialogs: the workers are about to stop."""
        for t in self.findChildren(QTimer):
            t.stop()
        theme.apply(False)  # the palette is the application's: the next window chooses again
        for child in self.findChildren(QDialog):
            child.close()
        self.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Only a person closing the window is asked; the app closing itself is not.
        if event.spontaneous() and not self.confirm_quit_with_jobs():
            event.ignore()
            return
        self.save_state()
        super().closeEvent(event)

    # -- detail -----------------------------------------------------------------------------------

    def show_detail(self, detail: AssetDetail | None) -> None:
        """Put an asset (or nothing) in the detail and suggestions panels."""
        self.form.set_asset(detail.asset if detail else None)
        missing = detail is not None and any(needs_value(detail.asset, f) for f in PREDICTED_FIELDS)
        computing = (
            missing and detail is not None and not detail.suggestions
        ) and self.parts.inference is not None
        self.suggestions.focus_field = self.review.focused()
        self.suggestions.set_detail(detail, "computing suggestions…" if computing else "")
        row = self.collection.current_row()
        r = self.model.row_data(row, fetch=False) if row >= 0 else None
        if detail is None:
            self.image.set_pixmap(None, "Loading…" if row >= 0 else "No asset selected")
            if r is not None:
                self.form.set_asset(r.asset)
                self.previews.show(self.image, r.asset.image_path, r.asset.checksum)
        else:
            a = detail.asset
            self.previews.show(self.image, a.image_path, a.checksum)
        self.modes.on_detail(detail, r)
        self.detail_shown.emit(detail)

    def on_changes(self, changes: Changes, initiator: object = None) -> None:
        """Every view decides what to reload (Anki's operation_did_execute)."""
        self.model.on_changes(changes, initiator)
        self.review.on_changes(changes, initiator)
        if changes.fields or changes.assets or changes.suggestions:
            self._stats_timer().start()
        if changes.fields or changes.assets:
            self.refresh_vocabulary()
        if changes.model:
            self.refresh_model_label()

    def _stats_timer(self) -> QTimer:
        t: QTimer | None = getattr(self, "_stats_t", None)
        if t is None:
            t = self._stats_t = QTimer(self, singleShot=True, interval=300)
            t.timeout.connect(self.refresh_stats)
        return t

    def refresh_vocabulary(self) -> None:
        """Reload the values offered by the filter and form combos."""
        fields = sorted(set(VOCAB_FIELDS) | set(COMBO_FIELDS))
        operations.vocabulary(fields).success(self._on_vocabulary).run()

    def _on_vocabulary(self, vocab: dict[Field, list[str]]) -> None:
        for f, values in vocab.items():
            if f in VOCAB_FIELDS:
                self.collection.filters.set_vocabulary(f, values)
            self.form.set_vocabulary(f, values)
        self.suggestions.set_vocabulary(vocab.get(Field.ARTIST, []))

    def refresh_stats(self) -> None:
        """Counts for the status bar."""
        operations.stats().success(self._on_stats).run()
        self.refresh_model_label()

    def refresh_model_label(self) -> None:
        operations.model_in_use().success(self._on_active_model).run()

    def _on_active_model(self, version: str | None) -> None:
        self.model_version = version
        broken = bool(version) and str(version).endswith(UNLOADABLE)
        self.model_label.setText(
            f"⚠ model {version}: no suggestions" if broken else
            (f"model {version}" if version else "no model")
        )  # fmt: skip
        # Visible, not only in the log: the catalogue names a model this machine cannot load.
        self.model_label.setStyleSheet("color: #b00020; font-weight: bold;" if broken else "")
        self.model_label.setToolTip(
            "The catalogue's active model cannot be loaded here, so no suggestions are made "
            "(never with another model). Model ▸ Model panel: activate another version."
            if broken else "The model suggestions come from"
        )  # fmt: skip

    def _on_stats(self, stats: dict[str, int]) -> None:
        self._stats = stats
        self._update_count()

    def _update_count(self) -> None:
        st = getattr(self, "_stats", {})
        shown = self.model.rowCount()
        text = f"{shown:,} shown"
        if st:
            text += (
                f" · {st.get('assets', 0):,} assets · {st.get('without_artist', 0):,} without "
                f"artist · {st.get('without_year', 0):,} without year · "
                f"{st.get('pending_suggestions', 0):,} with suggestions"
            )
        self.count_label.setText(text)
