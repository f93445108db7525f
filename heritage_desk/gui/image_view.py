"""The detail image: zoom with the wheel or +/-, pan by dragging, fit on double-click.

`view_state` / `set_view_state` describe zoom and pan relative to the image (zoom 1 = fitted,
centre as a fraction of the width and height), so two views of different images can follow
each other (gui.compare_view).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget


class ImageView(QGraphicsView):
    """A pixmap that fits the panel, zooms around the cursor and pans by dragging."""

    #: The curator zoomed or panned (not emitted while set_view_state applies another's).
    view_changed = Signal()

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
        self._following = False
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(lambda _v: self._changed())

    def set_pixmap(self, pixmap: QPixmap | None, message: str = "") -> None:
        """Show `pixmap` fitted to the view (None clears it and shows `message`)."""
        self._message = message
        self._item.setPixmap(pixmap or QPixmap())
        self.scene().setSceneRect(self._item.boundingRect())
        self._fit = True
        self._quietly(self.fit)  # a new image is not the curator zooming
        self.viewport().update()

    def has_image(self) -> bool:
        """Whether a pixmap is shown."""
        return not self._item.pixmap().isNull()

    def fit(self) -> None:
        """Scale so the whole image is visible."""
        self._fit = True
        if self.has_image():
            self.fitInView(self._item, Qt.AspectRatioMode.KeepAspectRatio)
        self._changed()

    def zoom(self, factor: float) -> None:
        """Zoom by `factor`, within 5 %..4000 %."""
        scale = self.transform().m11() * factor
        if 0.05 <= scale <= 40:
            self._fit = False
            self.scale(factor, factor)
            self._changed()

    def zoom_level(self) -> float:
        """The current scale (1.0 = one image pixel per screen pixel)."""
        return self.transform().m11()

    def _fit_scale(self) -> float:
        size = self._item.pixmap().size()
        vp = self.viewport().rect()
        if size.isEmpty() or vp.isEmpty():
            return 1.0
        return min(vp.width() / size.width(), vp.height() / size.height())

    def view_state(self) -> tuple[float, float, float]:
        """(zoom relative to fitted, centre x and y as fractions of the image)."""
        size = self._item.pixmap().size()
        if self._fit or size.isEmpty():
            return 1.0, 0.5, 0.5
        c = self.mapToScene(self.viewport().rect().center())
        rel = self.zoom_level() / self._fit_scale()
        return rel, c.x() / size.width(), c.y() / size.height()

    def set_view_state(self, rel: float, cx: float, cy: float) -> None:
        """Show the same part at the same relative zoom as another view (no view_changed)."""
        size = self._item.pixmap().size()
        if size.isEmpty():
            return
        was, self._following = self._following, True
        try:
            if abs(rel - 1.0) < 1e-3 and abs(cx - 0.5) < 1e-3 and abs(cy - 0.5) < 1e-3:
                self.fit()
            else:
                self._fit = False
                s = rel * self._fit_scale()
                self.resetTransform()
                self.scale(s, s)
                self.centerOn(QPointF(cx * size.width(), cy * size.height()))
        finally:
            self._following = was

    def _quietly(self, fn: Callable[[], None]) -> None:
        was, self._following = self._following, True
        try:
            fn()
        finally:
            self._following = was

    def _changed(self) -> None:
        if not self._following:
            self.view_changed.emit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.zoom(1.25 if event.angleDelta().y() > 0 else 0.8)

    def mouseDoubleClickEvent(self, event: object) -> None:
        self.fit()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self._fit:
            self._quietly(self.fit)

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
