"""The filmstrip under the image: the current filter as a virtualised row of badged thumbnails."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QShowEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from heritage_desk.gui.badges import paint_badge, state_of
from heritage_desk.gui.collection_model import CollectionModel

_Index = QModelIndex | QPersistentModelIndex

#: Edge of one filmstrip cell; the grid's cached 144-px thumbnail is drawn scaled into it.
CELL = 76
BADGE = 16


class FilmstripDelegate(QStyledItemDelegate):
    """A thumbnail fitted into its cell, a frame on the current asset, the state badge."""

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(CELL, CELL)  # uniform: the model is never asked to lay out 100,000 rows

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        r: QRect = option.rect.adjusted(3, 3, -3, -3)
        painter.save()
        painter.fillRect(r, QColor("#3a3a3a"))
        pm = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pm, QPixmap) and not pm.isNull():
            size = pm.size().scaled(r.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(r.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, pm)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setPen(QPen(QColor("#ffb300"), 3))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(r.adjusted(1, 1, -1, -1))
        painter.restore()
        paint_badge(painter, QRect(r.left() + 2, r.top() + 2, BADGE, BADGE), state_of(index))


class Filmstrip(QListView):
    """One row of thumbnails over the collection's model, sharing its current asset."""

    def __init__(
        self, model: CollectionModel, selection: QItemSelectionModel, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filmstrip")
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)  # the first layout of 100,000 cells in short steps
        self.setMovement(QListView.Movement.Static)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Keys stay with the collection (J/K/A...); a click still selects.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setItemDelegate(FilmstripDelegate(self))
        self.setStyleSheet("QListView#filmstrip { background: #262626; border: none; }")
        self.setModel(model)
        self.setSelectionModel(selection)  # one current asset for grid, table and strip
        bar = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(CELL + bar + 4)
        selection.currentRowChanged.connect(self._follow)

    def dataChanged(
        self, top_left: _Index, bottom_right: _Index, roles: Sequence[int] = ()
    ) -> None:
        # Qt's list mode lays every row out again on any change (QListModeViewBase::dataChanged
        # calls doDelayedItemsLayout): 100,000 rows for each thumbnail that arrives. The cells
        # are uniform, so nothing moves: repaint what changed, nothing more.
        if top_left == bottom_right:
            self.update(top_left)
        else:
            self.viewport().update()

    def reset(self) -> None:
        # QAbstractItemView.reset() clears its selection model; this one is the collection's,
        # whose current row the collection has just set for the new rows: keep it.
        sel = self.selectionModel()
        row = sel.currentIndex().row() if sel.currentIndex().isValid() else -1
        super().reset()
        if 0 <= row < self.model().rowCount() and not sel.currentIndex().isValid():
            flags = (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows
            )
            sel.setCurrentIndex(self.model().index(row, 0), flags)

    def _follow(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and self.isVisible():
            self.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        current = self.selectionModel().currentIndex()
        if current.isValid():
            self.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """A vertical wheel scrolls the strip sideways."""
        bar = self.horizontalScrollBar()
        bar.setValue(bar.value() - event.angleDelta().y() - event.angleDelta().x())
        event.accept()
