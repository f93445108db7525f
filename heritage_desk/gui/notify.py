"""Notifications that never block: a toast in the window's corner (and the system tray's
message where there is a tray), plus the status bar; first use: a background retrain ended."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QMainWindow, QSystemTrayIcon, QVBoxLayout

from heritage_desk.core.model_figures import retrain_notice

#: How long a toast stays (ms); a click opens what it is about sooner.
TOAST_MS = 12_000
#: Its width (px) and its distance from the window's edges.
TOAST_WIDTH, MARGIN = 420, 16


class Toast(QFrame):
    """A note in the bottom-right corner of the window; a click acts on it, a timer hides it."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName("toast")
        self.setStyleSheet(
            "#toast { background:#263238; border-radius:6px; } QLabel { color:#eceff1; }"
        )
        self.title = QLabel()
        self.body = QLabel()
        self.body.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.body)
        self.setFixedWidth(TOAST_WIDTH)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.timer = QTimer(self, singleShot=True, interval=TOAST_MS)
        self.timer.timeout.connect(self.hide)
        self.on_click: Callable[[], object] | None = None
        window.installEventFilter(self)
        self.hide()

    def show_note(self, title: str, text: str, on_click: Callable[[], object] | None) -> None:
        self.title.setText(f"<b>{title}</b>")
        self.body.setText(text)
        self.on_click = on_click
        lay = self.layout()
        assert lay is not None
        self.setFixedHeight(lay.totalHeightForWidth(TOAST_WIDTH))  # the wrapped text, all of it
        self._place()
        self.show()
        self.raise_()
        self.timer.start()

    def _place(self) -> None:
        w = self.window_
        bottom = w.height() - w.statusBar().height() - MARGIN
        self.move(w.width() - self.width() - MARGIN, bottom - self.height())

    def mousePressEvent(self, ev: QMouseEvent) -> None:
        self.hide()
        if self.on_click is not None:
            self.on_click()

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


class RetrainNotice(QObject):
    """When a background retrain ends: what changed, in the status bar and a toast (the tray
    too when there is one); a click opens the model panel."""

    def __init__(self, window: QMainWindow, retrain: Any, open_panel: Callable[[], object]) -> None:
        super().__init__(window)
        self.window = window
        self.toast = Toast(window)
        self.open_panel = open_panel
        self.last: str = ""
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(window.windowIcon(), self)
        retrain.finished.connect(self._on_finished)
        retrain.failed.connect(self._on_failed)

    def _on_finished(self, result: object) -> None:
        version = getattr(getattr(result, "version", None), "version", None)
        text = retrain_notice(
            str(getattr(result, "status", "")),
            version,
            str(getattr(result, "reason", "") or ""),
            float(getattr(result, "seconds", 0.0) or 0.0),
        )
        self.notify("Retrain finished", text)

    def _on_failed(self, message: str) -> None:
        self.notify("Retrain stopped", message)

    def notify(self, title: str, text: str) -> None:
        self.last = text
        self.window.statusBar().showMessage(text, TOAST_MS)
        self.toast.show_note(title, text, self.open_panel)
        if self.tray is not None and not self.window.isActiveWindow():
            self.tray.show()
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, TOAST_MS)
