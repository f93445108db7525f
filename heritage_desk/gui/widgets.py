"""Small painted widgets: probability bars and evidence thumbnails."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: Below this a suggestion is drawn as unsure (hatched, amber); below LOW as a guess (grey).
UNSURE = 0.5
LOW = 0.2


def confidence_colour(p: float) -> QColor:
    """Green when sure, amber when unsure, grey when it is a guess."""
    if p >= UNSURE:
        return QColor("#2e7d32")
    if p >= LOW:
        return QColor("#e69100")
    return QColor("#9e9e9e")


def confidence_word(p: float) -> str:
    """A word a curator reads faster than a number."""
    return "likely" if p >= UNSURE else ("unsure" if p >= LOW else "guess")


class ProbabilityBar(QWidget):
    """A horizontal bar for a probability; unsure values are hatched so they look unsure."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._p = 0.0
        self.setMinimumSize(80, 14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_probability(self, p: float) -> None:
        """Show `p` in 0..1."""
        self._p = max(0.0, min(1.0, p))
        self.setToolTip(f"{self._p:.1%} ({confidence_word(self._p)})")
        self.update()

    def probability(self) -> float:
        return self._p

    def sizeHint(self) -> QSize:
        return QSize(140, 14)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(0.5, 1.5, -0.5, -1.5)
        # The palette's greys, so the empty part stays quiet in the dark-grey theme too.
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid)))
        painter.setBrush(self.palette().color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(r, 3, 3)
        filled = QRectF(r.left(), r.top(), r.width() * self._p, r.height())
        colour = confidence_colour(self._p)
        painter.setPen(Qt.PenStyle.NoPen)
        if self._p >= UNSURE:
            painter.setBrush(colour)
        else:
            painter.setBrush(colour.lighter(150))
            painter.drawRoundedRect(filled, 3, 3)
            painter.setBrush(QBrush(colour, Qt.BrushStyle.BDiagPattern))
        painter.drawRoundedRect(filled, 3, 3)
        painter.end()


class Thumb(QLabel):
    """A clickable thumbnail of fixed size, with a placeholder until its pixmap arrives."""

    clicked = Signal()

    def __init__(self, edge: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edge = edge
        self.setFixedSize(edge, edge)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background:#e4e4e4; border:1px solid #c0c0c0;")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_pixmap(self, pm: QPixmap | None) -> None:
        """Show `pm` scaled into the square (None shows the placeholder)."""
        if pm is None or pm.isNull():
            self.clear()
            return
        self.setPixmap(
            pm.scaled(
                self._edge - 2,
                self._edge - 2,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def mousePressEvent(self, ev: QMouseEvent) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
