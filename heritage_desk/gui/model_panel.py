"""The model panel: active version, metrics, confusion matrix, curves, rollback, retrain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.model import ModelVersion
from heritage_desk.core.model_figures import (
    FIGURES,
    compared_text,
    figure,
    figure_text,
    measured_on,
)
from heritage_desk.core.progress import Progress
from heritage_desk.core.views import ModelReport
from heritage_desk.gui.plots import ConfusionMatrixPlot, CurvesPlot
from heritage_desk.workers import operations

#: The version columns before the figures.
VERSION_COLUMNS = ["version", "created", "active", "measured on"]


def _titled(title: str, w: QWidget) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(QLabel(f"<b>{title}</b>"))
    lay.addWidget(w, 1)
    return box


class ModelPanel(QDialog):
    """Everything about the models of this catalogue; rollback is one click."""

    def __init__(
        self, retrain: Any, device: str | Callable[[], str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Model")
        self.retrain = retrain
        self.report: ModelReport | None = None
        self.header = QLabel("Loading…")
        self.header.setWordWrap(True)
        self._device = device if callable(device) else (lambda: device)
        self.device = QLabel()
        self._show_device()
        self.table = QTableWidget(0, len(VERSION_COLUMNS) + len(FIGURES))
        self.table.setHorizontalHeaderLabels([*VERSION_COLUMNS, *[f[1] for f in FIGURES]])
        for j, (_, label, meaning) in enumerate(FIGURES, start=len(VERSION_COLUMNS)):
            header = self.table.horizontalHeaderItem(j)
            if header is not None:  # what the figure measures, on the works "measured on" names
                header.setToolTip(f"{label}: {meaning}")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemSelectionChanged.connect(self._show_curves)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.activate = QPushButton("Make active (roll back)")
        self.activate.clicked.connect(self.activate_selected)
        self.retrain_button = QPushButton("Retrain now")
        self.retrain_button.clicked.connect(self.start_retrain)
        self.cancel_button = QPushButton("Cancel retrain")
        self.cancel_button.clicked.connect(self.cancel_retrain)
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for b in (self.activate, self.retrain_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        for w in (self.header, self.device, self.table, self.note):
            lv.addWidget(w)
        lv.addLayout(buttons)
        lv.addWidget(self.progress)
        lv.addWidget(self.status)
        self.confusion = ConfusionMatrixPlot()
        self.curves = CurvesPlot()
        # Both plots on screen at once: people would rather look than read.
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(_titled("Suggested vs confirmed artist", self.confusion))
        plots.addWidget(_titled("Training curves (selected or newest version)", self.curves))
        plots.setSizes([380, 240])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(plots)
        split.setSizes([600, 520])
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        self.resize(1180, 700)
        if retrain is not None:
            retrain.progressed.connect(self._on_progress)
            retrain.finished.connect(self._on_retrained)
            retrain.failed.connect(self._on_failed)
        else:
            self.retrain_button.setEnabled(False)
            self.retrain_button.setToolTip("Retraining is not available in this session")
        self._update_buttons()
        self.refresh()

    def refresh(self) -> None:
        """Fetch the report off the GUI thread."""
        operations.model_report(initiator=self).success(self.set_report).failure(
            lambda e: self.header.setText(f"<span style='color:#b00020'>{e}</span>")
        ).run()

    def _show_device(self) -> None:
        self.device.setText(f"Runs on <b>{self._device()}</b> (Edit ▸ Settings chooses CPU or GPU)")

    def set_report(self, report: ModelReport) -> None:
        """Show versions, metrics and plots of `report`."""
        self.report = report
        self._show_device()  # known once the model has run
        active = next((v for v in report.versions if v.active), None)
        if active is None and report.in_use:
            self.header.setText(f"Active model <b>{report.in_use}</b> (starter)")
        elif active is None:
            self.header.setText("<b>No model.</b> Suggestions need one.")
        else:
            shown = ", ".join(
                f"{label} {figure_text(k, figure(active.metrics, k))}"
                for k, label, _ in FIGURES[:4]
                if figure(active.metrics, k) is not None
            )
            where = measured_on(active.metrics)
            self.header.setText(
                f"Active model <b>{active.version}</b> — on {where}: {shown or 'n/a'}"
            )
        self.table.setRowCount(len(report.versions))
        for i, v in enumerate(report.versions):
            cells = [v.version, v.created_at.strftime("%Y-%m-%d %H:%M"), "✓" if v.active else ""]
            cells += [measured_on(v.metrics)]
            cells += [compared_text(v.metrics, k) for k, _, _ in FIGURES]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if v.note:
                    item.setToolTip(v.note)
                self.table.setItem(i, j, item)
        self.note.setText(report.note)
        self.confusion.set_data(report.confusion_labels, report.confusion)
        self._show_curves()
        self._update_buttons()

    def _show_curves(self) -> None:
        """Curves of the selected version, else of the newest that has them."""
        if self.report is None:
            return
        chosen = self._selected()
        names = [chosen.version] if chosen else [v.version for v in self.report.versions]
        series = next((self.report.curves[n] for n in names if n in self.report.curves), {})
        self.curves.set_series(dict(series))

    def _selected(self) -> ModelVersion | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.report is None:
            return None
        return self.report.versions[rows[0].row()]

    def _update_buttons(self) -> None:
        v = self._selected()
        self.activate.setEnabled(v is not None and not v.active)
        running = self.retrain is not None and self.retrain.running()
        self.retrain_button.setEnabled(self.retrain is not None and not running)
        self.cancel_button.setVisible(running)

    def activate_selected(self) -> None:
        """Make the selected version the active one (rollback)."""
        v = self._selected()
        if v is None:
            return
        version = v.version
        self.status.setText(f"Activating {version}…")

        def done(_changes: object) -> None:
            self.status.setText(f"{version} is active.")
            self.refresh()

        operations.activate_model(version, initiator=self).success(done).failure(
            lambda e: self.status.setText(str(e))
        ).run()

    def start_retrain(self) -> None:
        if self.retrain is not None and self.retrain.start():
            self.progress.setRange(0, 0)
            self.progress.show()
            self.status.setText("Retraining in the background; the window stays usable.")
        self._update_buttons()

    def cancel_retrain(self) -> None:
        if self.retrain is not None:
            self.retrain.cancel()
            self.status.setText("Cancelling…")

    def _on_progress(self, p: Progress) -> None:
        self.progress.show()
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
        self.status.setText(p.message)
        self._update_buttons()

    def _on_retrained(self, outcome: object) -> None:
        self.progress.hide()
        version = getattr(getattr(outcome, "version", None), "version", "")
        reason = str(getattr(outcome, "reason", "") or "")
        self.status.setText(f"Retrain finished: {version} {reason}".strip())
        self._update_buttons()
        self.refresh()

    def _on_failed(self, message: str) -> None:
        self.progress.hide()
        self.status.setText(message)
        self._update_buttons()
