"""The detail image: zoom with the wheel or +/-, pan by dragging, fit on double-click."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget


class ImageView(QGraphicsView):
    """A pixmap that fits the panel, zooms around the cursor and pans by dragging."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor("#2b2b2b"))
        self.setMinimumSize(200, 200)
        self._fit = True
        self._message = ""

    def set_pixmap(self, pixmap: QPixmap | None, message: str = "") -> None:
        """Show `pixmap` fitted to the view (None clears it and shows `message`)."""
        self._message = message
        self._item.setPixmap(pixmap or QPixmap())
        self.scene().setSceneRect(self._item.boundingRect())
        self._fit = True
        self.fit()
        self.viewport().update()

    def has_image(self) -> bool:
        """Whether a pixmap is shown."""
        return not self._item.pixmap().isNull()

    def fit(self) -> None:
        """Scale so the whole image is visible."""
        self._fit = True
        if self.has_image():
            self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)

    def zoom(self, factor: float) -> None:
        """Zoom by `factor`, within 5 %..4000 %."""
        scale = self.transform().m11() * factor
        if 0.05 <= scale <= 40:
            self._fit = False
            self.scale(factor, factor)

    def zoom_level(self) -> float:
        """The current scale (1.0 = one image pixel per screen pixel)."""
        return self.transform().m11()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom(1.25 if event.angleDelta().y() > 0 else 0.8)

    def mouseDoubleClickEvent(self, event: object) -> None:
        self.fit()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self._fit:
            self.fit()

    def drawForeground(self, painter: QPainter, rect: object) -> None:
        if self.has_image() or not self._message:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(QColor("#cccccc"))
        painter.drawText(
            self.viewport().rect(),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self._message,
        )
        painter.restore()
