"""The middle of the window: the painting (or the compare view), the counter and the filmstrip."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from heritage_desk.gui.collection_model import CollectionModel
from heritage_desk.gui.compare_view import CompareView
from heritage_desk.gui.filmstrip import Filmstrip
from heritage_desk.gui.image_view import ImageView
from heritage_desk.gui.previews import Previews
from heritage_desk.gui.review_progress import ReviewProgress


class ReviewStage(QWidget):
    """The image (or compare view) uses every free pixel; the counter and strip sit below."""

    def __init__(
        self,
        image: ImageView,
        previews: Previews,
        model: CollectionModel,
        selection: QItemSelectionModel,
    ) -> None:
        super().__init__()  # the window's splitter adopts it
        self.image = image
        self.previews = previews
        self.compare = CompareView(previews)
        for view in (image, self.compare.left, self.compare.right):
            # Keys go on working when the collection is hidden (loupe, full screen).
            view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.stack = QStackedWidget()
        self.stack.addWidget(image)
        self.stack.addWidget(self.compare)
        self.progress = ReviewProgress(model)
        self.filmstrip = Filmstrip(model, selection)
        self.footer = QWidget()
        foot = QVBoxLayout(self.footer)
        foot.setContentsMargins(0, 0, 0, 0)
        foot.setSpacing(0)
        foot.addWidget(self.progress)
        foot.addWidget(self.filmstrip)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.footer)

    def comparing(self) -> bool:
        """Whether the compare view is on screen instead of the single image."""
        return self.stack.currentWidget() is self.compare

    def set_comparing(self, on: bool) -> None:
        self.stack.setCurrentWidget(self.compare if on else self.image)

    def focus_target(self) -> QWidget:
        """Where the keys go when the collection is hidden."""
        return self.compare.left if self.comparing() else self.image

    def zoom(self, factor: float) -> None:
        """Zoom the image, or both compared images."""
        if self.comparing():
            self.compare.zoom(factor)
        else:
            self.image.zoom(factor)

    def fit(self) -> None:
        if self.comparing():
            self.compare.fit()
        else:
            self.image.fit()
