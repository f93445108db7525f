"""'12 of 54 reviewed in this filter': the curator's place in the filter she is working through."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from heritage_desk.core.review_state import is_reviewed
from heritage_desk.core.views import Row
from heritage_desk.gui.badges import legend_html
from heritage_desk.gui.collection_model import CollectionModel
from heritage_desk.workers import operations


class ReviewProgress(QWidget):
    """Counts the reviewed assets of the rows on screen.

    The rows are the filter as it was applied: an asset that leaves a *Missing artist* filter
    when its artist is accepted stays on screen until the filter is applied again, and counts
    as reviewed. So the count is taken in SQL when the rows arrive (the *Reviewed* filter over
    the same query) and then moved by each row refreshed in place.
    """

    def __init__(self, model: CollectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.total = 0
        self.reviewed: int | None = None  # None until counted
        self._generation = 0
        self.label = QLabel()
        self.label.setObjectName("review_progress")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedSize(120, 8)
        self.legend = QLabel(legend_html())
        self.legend.setStyleSheet("color:#888")
        self.legend.setToolTip(legend_html(short=False).replace("\u00a0\u00a0 ", "<br>"))
        # Beside the counter when there is room, on a line of its own when the middle pane is
        # narrow: it never widens the window.
        self.legend.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(6, 2, 6, 2)
        self.grid.setVerticalSpacing(0)
        self.grid.addWidget(self.label, 0, 0)
        self.grid.addWidget(self.bar, 0, 1, Qt.AlignmentFlag.AlignVCenter)
        self.grid.setColumnStretch(2, 1)
        self._place_legend(beside=True)
        model.loaded.connect(self._on_reset)
        model.row_replaced.connect(self._on_row)
        self._show()

    def _place_legend(self, beside: bool) -> None:
        self.grid.removeWidget(self.legend)
        left, right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        self.legend.setAlignment((right if beside else left) | Qt.AlignmentFlag.AlignVCenter)
        self.legend.setWordWrap(not beside)
        if beside:
            self.grid.addWidget(self.legend, 0, 2)
        else:
            self.grid.addWidget(self.legend, 1, 0, 1, 3)
        self.legend_beside = beside

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        need = sum(w.sizeHint().width() for w in (self.label, self.bar, self.legend)) + 40
        beside = event.size().width() >= need
        if beside != self.legend_beside:
            self._place_legend(beside)

    def text(self) -> str:
        """What the counter reads now."""
        if self.reviewed is None:
            return f"{self.total:,} in this filter, counting…"
        return f"{self.reviewed:,} of {self.total:,} reviewed in this filter"

    def _on_reset(self, count: int) -> None:
        self._generation += 1
        gen = self._generation
        self.total, self.reviewed = count, None
        self._show()
        operations.reviewed_count(self.model.query).success(
            lambda n: self._on_counted(gen, n)
        ).run()

    def _on_counted(self, gen: int, n: int) -> None:
        if gen == self._generation:
            self.reviewed = n
            self._show()

    def _on_row(self, old: Row, new: Row) -> None:
        if self.reviewed is None:
            return
        self.reviewed += int(is_reviewed(new.asset)) - int(is_reviewed(old.asset))
        self._show()

    def _show(self) -> None:
        self.label.setText(self.text())
        self.bar.setRange(0, max(1, self.total))
        self.bar.setValue(self.reviewed or 0)
