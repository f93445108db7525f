"""Import and export dialogs: choose files, map columns, watch progress, cancel, read the report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from heritage_desk.workers import operations
from heritage_desk.workers.ops import Op
from heritage_desk.workers.progress import JobProgress

log = logging.getLogger(__name__)


def _buddy(text: str, edit: QWidget) -> QLabel:
    """A form label whose '&' is a mnemonic for `edit` (without a buddy Qt shows it literally)."""
    label = QLabel(text)
    label.setBuddy(edit)
    return label


def _path_row(edit: QLineEdit, pick: Any) -> QHBoxLayout:
    row = QHBoxLayout()
    button = QPushButton("Browse…")
    button.clicked.connect(pick)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


class JobDialog(QDialog):
    """A dialog that runs one long catalogue job with a progress bar, Cancel and a report."""

    #: The job's result arrived (an ImportReport or an export summary).
    finished_job = Signal(object)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.job: JobProgress | None = None
        self.job_result: object = None
        self.layout_ = QVBoxLayout(self)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.hide()
        self.layout_.addWidget(self.progress)
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.report, 1)
        std = QDialogButtonBox.StandardButton
        self.buttons = QDialogButtonBox(std.Ok | std.Cancel)
        self.start_button = self.buttons.button(std.Ok)
        self.cancel_button = self.buttons.button(std.Cancel)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.cancel_or_close)
        self.layout_.addWidget(self.buttons)

    def running(self) -> bool:
        """Whether the job is in progress."""
        return self.job is not None

    def start(self) -> None:
        """Subclasses build the op and call run_job."""
        raise NotImplementedError

    def run_job(self, make: Callable[[ProgressCallback, CancelToken], Op[Any]]) -> None:
        """Run the op `make(progress, cancel)` builds, with a progress bar and Cancel."""
        job = self.job = JobProgress(parent=self)
        job.progressed.connect(self._on_progress)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.start_button.setEnabled(False)
        self.status.setText("Working…")
        make(job.report, job.token).success(self._on_done).failure(self._on_failed).run()

    def _on_progress(self, p: Progress) -> None:
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
        self.status.setText(p.message or f"{p.done} of {p.total}")

    def _on_done(self, result: object) -> None:
        self.job = None
        self.job_result = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.report.setPlainText(self.describe(result))
        self.report.show()
        self.status.setText("Done.")
        self.cancel_button.setText("Close")
        self.finished_job.emit(result)

    def _on_failed(self, exc: Exception) -> None:
        self.job = None
        self.progress.hide()
        self.start_button.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.status.setText("Cancelled; nothing was changed half-way.")
        else:
            log.warning("%s failed: %s", self.windowTitle(), exc)
            self.status.setText(f"<span style='color:#b00020'>{exc}</span>")

    def describe(self, result: object) -> str:
        """The report text of a finished job."""
        return str(result)

    def cancel_or_close(self) -> None:
        """Cancel a running job (the dialog stays until it stops), or close."""
        if self.job is not None:
            self.job.cancel()
            self.status.setText("Cancelling…")
            return
        self.reject()


class ImportDialog(JobDialog):
    """Import a folder of images with an optional metadata CSV and a column mapping."""

    def __init__(self, targets: list[str], parent: QWidget | None = None) -> None:
        super().__init__("Import images", parent)
        self.targets = targets
        self.images = QLineEdit()
        self.csv = QLineEdit()
        self.csv.setPlaceholderText("optional: known metadata (CSV, .xlsx or .ods)")
        self.form.addRow(
            _buddy("Images &folder", self.images), _path_row(self.images, self._pick_images)
        )
        self.form.addRow(_buddy("Metadata &CSV", self.csv), _path_row(self.csv, self._pick_csv))
        self.mapping_box = QGroupBox("Column mapping (guessed from the headers)")
        self.mapping_form = QFormLayout(self.mapping_box)
        self.combos: dict[str, QComboBox] = {}
        for t in targets:
            combo = QComboBox()
            combo.addItem("(none)", "")
            self.combos[t] = combo
            self.mapping_form.addRow(t.replace("_", " "), combo)
        self.mapping_box.setEnabled(False)
        self.form.addRow(self.mapping_box)
        self.csv.editingFinished.connect(self.load_columns)
        self.start_button.setText("Import")
        self.resize(560, 620)

    def _pick_images(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Images folder", self.images.text())
        if d:
            self.images.setText(d)

    def _pick_csv(self) -> None:
        kinds = "Metadata (*.csv *.xlsx *.ods);;CSV (*.csv);;Spreadsheets (*.xlsx *.ods)"
        f, _ = QFileDialog.getOpenFileName(self, "Metadata file", self.csv.text(), kinds)
        if f:
            self.csv.setText(f)
            self.load_columns()

    def load_columns(self) -> None:
        """Read the CSV's header off the GUI thread and preselect the guessed mapping."""
        path = self.csv.text().strip()
        if not path:
            self.mapping_box.setEnabled(False)
            return
        operations.csv_columns(path, initiator=self).success(self._on_columns).failure(
            lambda e: self.status.setText(f"<span style='color:#b00020'>{e}</span>")
        ).run()

    def _on_columns(self, result: tuple[list[str], dict[str, str]]) -> None:
        columns, guessed = result
        for t, combo in self.combos.items():
            combo.clear()
            combo.addItem("(none)", "")
            for c in columns:
                combo.addItem(c, c)
            combo.setCurrentIndex(max(0, combo.findData(guessed.get(t, ""))))
        self.mapping_box.setEnabled(True)
        self.status.setText(f"{len(columns)} columns; check the mapping, then Import.")

    def mapping(self) -> dict[str, str]:
        """The chosen target -> column mapping."""
        return {t: c.currentData() for t, c in self.combos.items() if c.currentData()}

    def start(self) -> None:
        images = self.images.text().strip()
        if not images or not Path(images).is_dir():
            self.status.setText("<span style='color:#b00020'>Choose a folder of images.</span>")
            return
        csv_path = self.csv.text().strip() or None
        mapping = self.mapping() if csv_path else None
        self.run_job(
            lambda p, c: operations.import_collection(
                images, csv_path, mapping, p, c, initiator=self
            )
        )

    def describe(self, result: object) -> str:
        lines = getattr(result, "lines", None)
        if callable(lines):
            return "\n".join(lines())
        return str(result)


class ExportDialog(JobDialog):
    """Export the catalogue to CSV (optionally with a BOM for Excel)."""

    def __init__(self, default: str = "", parent: QWidget | None = None) -> None:
        super().__init__("Export CSV", parent)
        self.out = QLineEdit(default)
        self.bom = QCheckBox("Add a byte-order mark (for Excel)")
        self.form.addRow(_buddy("&File", self.out), _path_row(self.out, self._pick))
        self.form.addRow(self.bom)
        self.start_button.setText("Export")
        self.resize(520, 300)

    def _pick(self) -> None:
        f, _ = QFileDialog.getSaveFileName(self, "Export CSV", self.out.text(), "CSV (*.csv)")
        if f:
            self.out.setText(f if f.lower().endswith(".csv") else f + ".csv")
            self._confirmed = f  # the file dialog asked before choosing an existing file

    def start(self, force: bool = False) -> None:
        out = self.out.text().strip()
        if not out:
            self.status.setText("<span style='color:#b00020'>Choose a file.</span>")
            return
        bom = self.bom.isChecked()
        force = force or out == getattr(self, "_confirmed", None)
        self.run_job(
            lambda p, c: operations.export_csv(out, bom, p, c, force=force, initiator=self)
        )

    def _on_failed(self, exc: Exception) -> None:
        """A file that is not one of our CSVs is replaced only once the curator says so."""
        if getattr(exc, "force", False):
            answer = QMessageBox.question(self, "Replace file?", f"{exc}.\n\nReplace it?")
            if answer == QMessageBox.StandardButton.Yes:
                self.job = None
                self.start(force=True)
                return
        super()._on_failed(exc)

    def describe(self, result: object) -> str:
        if isinstance(result, str):
            return result
        rows, columns, path = (getattr(result, k, None) for k in ("rows", "columns", "path"))
        if rows is None or path is None:
            return "Export finished."
        return f"Exported {rows:,} assets ({columns} columns) to\n{path}"
