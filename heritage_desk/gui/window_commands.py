"""The window's commands: dialogs, batch accept, background suggestions, quitting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QToolButton,
    QWidget,
)

from heritage_desk.about import about_text
from heritage_desk.core.progress import Progress, time_left
from heritage_desk.gui import dialogs
from heritage_desk.gui.batch_preview import BatchPreviewDialog
from heritage_desk.gui.cheatsheet import CheatSheet, GuideDialog
from heritage_desk.gui.flagging import open_flag_dialog
from heritage_desk.gui.settings import AppSettings, SettingsDialog
from heritage_desk.gui.transfer_dialogs import ExportDialog, ImportDialog
from heritage_desk.gui.undo_history import UndoHistoryDialog
from heritage_desk.workers import operations

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from heritage_desk.gui.collection_model import CollectionModel
    from heritage_desk.gui.collection_view import CollectionView
    from heritage_desk.gui.review import ReviewController


class WindowCommands(QMainWindow):
    """Menu commands of MainWindow (its base: the window sets the attributes below)."""

    parts: Any
    settings: AppSettings
    collection: CollectionView
    model: CollectionModel
    review: ReviewController
    model_version: str | None
    actions_by_name: dict[str, QAction]
    job_bar: QProgressBar
    job_cancel: QToolButton
    device_label: QLabel

    # -- background suggestions -------------------------------------------------------------------

    def suggest_all(self) -> None:
        """Compute suggestions for every asset that lacks them, in the background."""
        inf = self.parts.inference
        if inf is None:
            self.statusBar().showMessage("No model available", 5000)
            return
        operations.needing_suggestions(embed_all=False).success(inf.start_backlog).run()
        self.job_bar.setRange(0, 0)
        self.job_bar.show()
        self.job_cancel.show()

    def _on_backlog_progress(self, p: Progress) -> None:
        self.job_bar.show()
        self.job_cancel.show()
        self.job_bar.setRange(0, max(1, p.total))
        self.job_bar.setValue(p.done)
        left = time_left(p)  # images are embedded on the way: minutes for a large collection
        self.job_bar.setFormat(f"%v/%m, {left}" if left else "suggesting %v/%m")
        self.job_bar.setToolTip(f"{p.message} (Cancel stops after the current batch)")
        if p.total and p.done >= p.total:
            self.job_bar.hide()
            self.job_cancel.hide()

    def cancel_background(self) -> None:
        """Stop the background suggestion pass."""
        if self.parts.inference is not None:
            self.parts.inference.stop_backlog()
        self.job_bar.hide()
        self.job_cancel.hide()

    def return_focus(self) -> None:
        """Give the keys back to the collection (after typing, or a dialog closing)."""
        self.activateWindow()
        self.focus_target().setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_target(self) -> QWidget:
        """The widget the review keys start from (MainWindow: the painting in the loupe)."""
        return self.collection.active_view()

    def _keep_keys(self, dlg: QDialog) -> None:
        """When `dlg` closes, the review keys work again without a click."""
        # After the dialog has hidden, and again once it is deleted: until then it is the
        # active window, and deleting it leaves no window active.
        dlg.finished.connect(lambda _r: QTimer.singleShot(0, self, self.return_focus))
        dlg.destroyed.connect(lambda _o=None: QTimer.singleShot(0, self, self.return_focus))

    # -- commands ---------------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.collection.filters.search.setFocus()
        self.collection.filters.search.selectAll()

    def open_settings(self) -> None:
        SettingsDialog(self.settings, self).exec()
        self.return_focus()

    def open_shortcuts(self) -> CheatSheet:
        """Every key over the window, from the menus (any key closes it)."""
        sheet: CheatSheet | None = getattr(self, "_cheatsheet", None)
        if sheet is None:
            sheet = self._cheatsheet = CheatSheet(self, self.menuBar())
            sheet.closed.connect(self.return_focus)
        sheet.open()
        return sheet

    def open_guide(self) -> QDialog:
        """The review workflow in a few steps."""
        dlg = GuideDialog(self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep_keys(dlg)
        dlg.open()
        return dlg

    def open_about(self) -> None:
        """Version, model and licences (read off the GUI thread: package metadata, model card)."""

        def show(details: str) -> None:
            dlg = dialogs.AboutDialog(self.model_version, self.device_label.text(), details, self)
            dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self._keep_keys(dlg)
            dlg.open()

        operations.off_thread(about_text).success(show).run()

    def check_catalogue(self) -> None:
        """Run the quick catalogue check in the background and show what it found and repaired."""

        def show(result: tuple[bool, list[str]]) -> None:
            ok, lines = result
            box = QMessageBox(self)
            box.setWindowTitle("Check catalogue")
            box.setIcon(QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning)
            box.setText("The catalogue is sound." if ok else "Problems are left to fix.")
            box.setInformativeText(
                "Quick check (image files exist). For a full content check run "
                "`heritage-desk check CATALOGUE`."
            )
            box.setDetailedText("\n".join(lines))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self._keep_keys(box)
            box.open()

        self.statusBar().showMessage("Checking the catalogue…")
        operations.check_catalogue().success(show).run()

    def open_history(self) -> None:
        d = self.review.detail
        title = (d.asset.title or f"asset #{d.asset.id}") if d else ""

        def show(decisions: list[Any]) -> None:
            dlg = dialogs.HistoryDialog(title, decisions, self)
            dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self._keep_keys(dlg)
            dlg.open()

        self.review.history(show)

    def open_undo_history(self) -> QDialog:
        """This reviewer's undo stack; double-click a step to undo down to it."""
        dlg = UndoHistoryDialog(self.review, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep_keys(dlg)
        dlg.open()
        return dlg

    def open_flag(self) -> QDialog | None:
        """Flag the asset under review for an expert, with a note (then on to the next)."""
        dlg = open_flag_dialog(self.review, self)
        if dlg is not None:
            self._keep_keys(dlg)
        return dlg

    def open_batch(self) -> BatchPreviewDialog:
        """The batch-accept preview over the current filter (not modal: tests drive it)."""
        dlg = BatchPreviewDialog(
            self.model.query, self.settings.batch_threshold, self.parts.thumbnails, self
        )
        dlg.chosen.connect(lambda items: self._batch_accept(dlg, items))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep_keys(dlg)
        dlg.open()
        self._batch_dialog = dlg
        return dlg

    def _batch_accept(self, dlg: BatchPreviewDialog, items: list[Any]) -> None:
        self.settings.batch_threshold = dlg.threshold.value()
        operations.accept_batch(items, self.settings.reviewer, initiator=self).success(
            lambda ch: self.statusBar().showMessage(
                f"Accepted {len(items)} values on {len(ch.asset_ids)} assets "
                "(Ctrl+Z undoes them all)",
                6000,
            )
        ).run()

    def open_import(self) -> ImportDialog:
        dlg = ImportDialog(list(self.parts.import_targets), self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep_keys(dlg)
        dlg.open()
        return dlg

    def open_export(self, default: str = "") -> ExportDialog:
        dlg = ExportDialog(default, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep_keys(dlg)
        dlg.open()
        return dlg

    def open_model_panel(self) -> QWidget:
        from heritage_desk.gui.model_panel import ModelPanel

        panel = ModelPanel(self.parts.retrain, self.device_label.text, self)
        panel.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._keep_keys(panel)
        panel.open()
        return panel

    def request_quit(self) -> None:
        """Quit from the menu: ask first while a retrain runs."""
        if self.confirm_quit_with_jobs():
            self.close()

    def confirm_quit_with_jobs(self) -> bool:
        """Ask before quitting while a retrain runs."""
        r = self.parts.retrain
        if r is not None and getattr(r, "running", lambda: False)():
            answer = QMessageBox.question(self, "Quit", "A retrain is running. Cancel it and quit?")
            return answer == QMessageBox.StandardButton.Yes
        return True
