"""Plots drawn with QPainter: a confusion matrix heat map and training curves."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

CURVE_COLOURS = ["#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f"]


def _white_painter(widget: QWidget, empty: str | None) -> QPainter | None:
    """A painter on `widget` filled white; None, after writing `empty`, when that is given."""
    p = QPainter(widget)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(widget.rect(), QColor("white"))
    if empty is None:
        return p
    p.setPen(QColor("#777"))
    p.drawText(widget.rect(), Qt.AlignmentFlag.AlignCenter, empty)
    p.end()
    return None


class ConfusionMatrixPlot(QWidget):
    """Rows are true labels, columns predicted; each row shaded by its share, diagonal in green."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.matrix: list[list[int]] = []
        self.setMinimumSize(260, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_data(self, labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> None:
        """Show `matrix[true][predicted]` with `labels` on both axes."""
        self.labels = list(labels)
        self.matrix = [list(r) for r in matrix]
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def paintEvent(self, event: QPaintEvent) -> None:
        n = len(self.matrix)
        p = _white_painter(self, None if n else "No confusion matrix yet")
        if p is None:
            return
        font = QFont(p.font())
        font.setPointSizeF(max(6.0, min(9.0, 200 / max(n, 1))))
        p.setFont(font)
        margin = min(130, 16 + 7 * max(len(s) for s in self.labels[:n] or [""]))
        side = min(self.width() - margin - 8, self.height() - margin - 8, n * 48)
        cell = side / n
        x0, y0 = margin, 8.0
        for i, row in enumerate(self.matrix):
            total = sum(row) or 1
            for j, v in enumerate(row):
                share = v / total
                base = QColor("#2e7d32") if i == j else QColor("#c62828")
                c = QColor(255, 255, 255)
                c.setRedF(1 - share * (1 - base.redF()))
                c.setGreenF(1 - share * (1 - base.greenF()))
                c.setBlueF(1 - share * (1 - base.blueF()))
                r = QRectF(x0 + j * cell, y0 + i * cell, cell, cell)
                p.fillRect(r, c)
                if cell >= 18 and v:
                    p.setPen(QColor("white") if share > 0.55 else QColor("#222"))
                    p.drawText(r, Qt.AlignmentFlag.AlignCenter, str(v))
        p.setPen(QPen(QColor("#999"), 1))
        p.drawRect(QRectF(x0, y0, side, side))
        p.setPen(QColor("#222"))
        for i, label in enumerate(self.labels[:n]):
            short = label if len(label) <= 18 else label[:17] + "…"
            p.drawText(
                QRectF(0, y0 + i * cell, margin - 4, cell),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                short,
            )
            p.save()
            p.translate(x0 + (i + 0.5) * cell, y0 + side + 4)
            p.rotate(60)
            p.drawText(QRectF(0, -cell / 2, margin, cell), Qt.AlignmentFlag.AlignVCenter, short)
            p.restore()
        p.end()


class CurvesPlot(QWidget):
    """Line plot of named series against the epoch, with axes, ticks and a legend."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: dict[str, list[float]] = {}
        self.title = ""
        self.setMinimumSize(260, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_series(self, series: dict[str, Sequence[float]], title: str = "") -> None:
        """Show each named series (values per epoch)."""
        self.series = {k: [float(v) for v in vs] for k, vs in series.items() if vs}
        self.title = title
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 260)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = _white_painter(self, None if self.series else "No training curves yet")
        if p is None:
            return
        values = [v for vs in self.series.values() for v in vs if math.isfinite(v)]
        lo, hi = min([*values, 0.0]), max([*values, 1.0])
        if hi - lo < 1e-9:
            hi = lo + 1
        n = max(len(vs) for vs in self.series.values())
        plot = QRectF(48, 22, self.width() - 60, self.height() - 56)
        p.setPen(QColor("#222"))
        if self.title:
            p.drawText(QRectF(0, 2, self.width(), 18), Qt.AlignmentFlag.AlignCenter, self.title)
        p.setPen(QPen(QColor("#ddd"), 1))
        for k in range(5):
            y = plot.bottom() - plot.height() * k / 4
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("#555"))
            p.drawText(
                QRectF(0, y - 8, 44, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{lo + (hi - lo) * k / 4:.2f}",
            )
            p.setPen(QPen(QColor("#ddd"), 1))
        p.setPen(QColor("#555"))
        p.drawText(
            QRectF(plot.left(), plot.bottom() + 2, plot.width(), 16),
            Qt.AlignmentFlag.AlignCenter,
            f"epoch (1–{n})",
        )

        def pt(i: int, v: float) -> QPointF:
            x = plot.left() + (plot.width() * i / (n - 1) if n > 1 else plot.width() / 2)
            return QPointF(x, plot.bottom() - plot.height() * (v - lo) / (hi - lo))

        for k, (name, vs) in enumerate(self.series.items()):
            colour = QColor(CURVE_COLOURS[k % len(CURVE_COLOURS)])
            p.setPen(QPen(colour, 2))
            p.drawPolyline(QPolygonF([pt(i, v) for i, v in enumerate(vs)]))
            ly = plot.bottom() + 20
            lx = plot.left() + k * 130
            p.drawLine(QPointF(lx, ly + 6), QPointF(lx + 18, ly + 6))
            p.setPen(QColor("#222"))
            p.drawText(QRectF(lx + 22, ly - 2, 108, 16), Qt.AlignmentFlag.AlignVCenter, name)
        p.end()
