"""User settings in QSettings (reviewer, device, torch threads) and the dialog that edits them."""

from __future__ import annotations

import getpass
import os

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

DEVICES = [("Automatic (GPU when available)", "auto"), ("CPU", "cpu"), ("GPU (CUDA)", "cuda")]


def default_threads() -> int:
    """Leave one core for the window (as ml.runtime does): on 2 cores 2 threads ran 5-6x slower."""
    return max(1, min((os.cpu_count() or 1) - 1, 8))


class AppSettings:
    """Typed access to the settings a curator can change."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings()

    @property
    def reviewer(self) -> str:
        value = self.q.value("review/reviewer", "")
        if value:
            return str(value)
        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "curator"

    @reviewer.setter
    def reviewer(self, name: str) -> None:
        self.q.setValue("review/reviewer", name.strip())

    @property
    def device(self) -> str:
        value = str(self.q.value("model/device", "auto"))
        return value if value in {d for _, d in DEVICES} else "auto"

    @device.setter
    def device(self, value: str) -> None:
        self.q.setValue("model/device", value)

    @property
    def torch_threads(self) -> int:
        try:
            value = self.q.value("model/torch_threads", default_threads())
            return max(1, int(str(value)))
        except (TypeError, ValueError):
            return default_threads()

    @torch_threads.setter
    def torch_threads(self, n: int) -> None:
        self.q.setValue("model/torch_threads", int(n))

    @property
    def batch_threshold(self) -> float:
        try:
            return float(self.q.value("review/batch_threshold", 0.9))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 0.9

    @batch_threshold.setter
    def batch_threshold(self, p: float) -> None:
        self.q.setValue("review/batch_threshold", float(p))


class SettingsDialog(QDialog):
    """Reviewer name, device and torch threads; device changes apply when the model reloads."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        form = QFormLayout(self)
        self.reviewer = QLineEdit(settings.reviewer)
        self.reviewer.setPlaceholderText("Your name, recorded with every decision")
        self.device = QComboBox()
        for label, value in DEVICES:
            self.device.addItem(label, value)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        self.threads = QSpinBox()
        self.threads.setRange(1, max(1, os.cpu_count() or 1))
        self.threads.setValue(settings.torch_threads)
        form.addRow("&Reviewer name", self.reviewer)
        form.addRow("&Device", self.device)
        form.addRow("Torch &threads", self.threads)
        note = QLabel(
            f"Default threads: {default_threads()} ({os.cpu_count()} cores, one left for the "
            "window; more threads than free cores slows inference down). Device and threads "
            "apply the next time the app starts."
        )
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        if self.reviewer.text().strip():
            self.settings.reviewer = self.reviewer.text()
        self.settings.device = str(self.device.currentData())
        self.settings.torch_threads = self.threads.value()
        super().accept()
