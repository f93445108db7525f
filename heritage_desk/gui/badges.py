"""Review-state badges: one glyph and colour per state, drawn on thumbnails, rows and the strip."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from heritage_desk.core.review_state import ReviewState, review_state
from heritage_desk.core.views import Row
from heritage_desk.gui.collection_model import ROW_ROLE
from heritage_desk.gui.collection_view import SmallIconDelegate

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Badge:
    """How one review state is drawn: a glyph on a coloured disc, and what it means in words."""

    glyph: str
    colour: str
    words: str
    short: str


#: One entry per state that wears a badge (imported, unreviewed artist and date wear none).
BADGES: dict[ReviewState, Badge] = {
    ReviewState.FLAGGED: Badge("⚑", "#e65100", "flagged for an expert", "flagged"),
    ReviewState.MISSING: Badge("?", "#c62828", "missing, nothing suggested", "missing"),
    ReviewState.SUGGESTED: Badge("◆", "#1565c0", "suggested, to review", "suggested"),
    ReviewState.ACCEPTED: Badge("✓", "#2e7d32", "suggestion accepted", "accepted"),
    ReviewState.CONFIRMED: Badge("✎", "#6a1b9a", "confirmed by a curator", "confirmed"),
}


def state_of(index: _Index) -> ReviewState | None:
    """The review state of the row at `index`, None while its page is loading."""
    row = index.data(ROW_ROLE)
    return review_state(row) if isinstance(row, Row) else None


def paint_badge(painter: QPainter, rect: QRect, state: ReviewState | None) -> bool:
    """Draw the badge of `state` in `rect` (a square); False when the state wears none."""
    badge = BADGES.get(state) if state is not None else None
    if badge is None:
        return False
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#ffffff"), 1.5))  # a white rim reads on dark and light images
    painter.setBrush(QColor(badge.colour))
    r = QRectF(rect).adjusted(0.75, 0.75, -0.75, -0.75)
    painter.drawEllipse(r)
    font = QFont(painter.font())
    font.setBold(True)
    font.setPixelSize(max(8, int(rect.height() * 0.62)))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(r, Qt.AlignmentFlag.AlignCenter, badge.glyph)
    painter.restore()
    return True


def legend_html(short: bool = True) -> str:
    """The badges and what they mean, one line of rich text (a word each, or a phrase)."""
    return "\u00a0\u00a0 ".join(
        f"<span style='color:{b.colour}; font-weight:bold'>{b.glyph}</span>\u00a0"
        f"{b.short if short else b.words}"
        for b in BADGES.values()
    )


class GridBadgeDelegate(QStyledItemDelegate):
    """The grid's thumbnail and title, with the state badge on the thumbnail's corner."""

    EDGE = 20

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        super().paint(painter, option, index)
        r = option.rect
        at = QRect(r.left() + 6, r.top() + 4, self.EDGE, self.EDGE)
        paint_badge(painter, at, state_of(index))


class TableBadgeDelegate(SmallIconDelegate):
    """The table's title cell: small thumbnail, title, and the state badge at its right end."""

    EDGE = 16

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        state = state_of(index)
        r = QRect(option.rect)
        text_opt = QStyleOptionViewItem(option)
        if state in BADGES:
            # The row's background (selection included) under the badge too, then the cell.
            self.initStyleOption(text_opt, index)
            widget = option.widget
            style = widget.style() if widget is not None else None
            if style is not None:
                style.drawPrimitive(
                    QStyle.PrimitiveElement.PE_PanelItemViewItem, text_opt, painter, widget
                )
            text_opt = QStyleOptionViewItem(option)
            text_opt.rect = r.adjusted(0, 0, -(self.EDGE + 4), 0)
        super().paint(painter, text_opt, index)
        top = r.top() + (r.height() - self.EDGE) // 2
        paint_badge(painter, QRect(r.right() - self.EDGE - 2, top, self.EDGE, self.EDGE), state)


def install(grid: QListView, table: QTableView) -> None:
    """Badge delegates on the collection's grid and on the table's title column."""
    grid.setItemDelegate(GridBadgeDelegate(grid))
    table.setItemDelegateForColumn(0, TableBadgeDelegate(table))
