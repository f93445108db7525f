"""Compare: the work under review beside one evidence work, large, zoomed and panned together."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.model import UNKNOWN_ARTIST, Field
from heritage_desk.core.views import AssetDetail, Evidence
from heritage_desk.gui.image_view import ImageView
from heritage_desk.gui.previews import Previews

NO_EVIDENCE = (
    "No evidence for this work: the catalogue has no confirmed work of the suggested artists "
    "with image features yet."
)


@dataclass(frozen=True)
class EvidenceItem:
    """One evidence work and the candidate artist it speaks for."""

    artist: str
    rank: int
    probability: float
    work: Evidence


def evidence_items(detail: AssetDetail | None) -> list[EvidenceItem]:
    """Every evidence work of `detail`: candidate 1's most similar first, then candidate 2's..."""
    if detail is None:
        return []
    out = []
    for s in detail.candidates(Field.ARTIST):
        if s.value == UNKNOWN_ARTIST:  # nobody's works: there is nothing to compare with
            continue
        for e in detail.evidence.get(s.value, ()):
            out.append(EvidenceItem(s.value, s.rank, s.probability, e))
    return out


class CompareView(QWidget):
    """Two image views side by side; zoom or pan either and the other follows."""

    #: The evidence shown changed (its index, -1 for none).
    evidence_changed = Signal(int)
    #: The Back button: return to the single painting under review.
    back_requested = Signal()

    def __init__(self, previews: Previews, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compare")
        self.previews = previews
        self.detail: AssetDetail | None = None
        self.items: list[EvidenceItem] = []
        self.index = -1
        self.left, self.right = ImageView(), ImageView()
        self.left.setObjectName("compare_left")
        self.right.setObjectName("compare_right")
        for view in (self.left, self.right):
            view.setMinimumSize(120, 120)  # the stage stays as narrow as the single image
        self.left_caption, self.right_caption = QLabel(), QLabel()
        panes = QSplitter(Qt.Orientation.Horizontal)
        for view, caption in ((self.left, self.left_caption), (self.right, self.right_caption)):
            caption.setWordWrap(True)
            caption.setTextFormat(Qt.TextFormat.RichText)
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(2, 2, 2, 2)
            lay.setSpacing(2)
            lay.addWidget(caption)
            lay.addWidget(view, 1)
            panes.addWidget(box)
        panes.setChildrenCollapsible(False)
        self.hint = QLabel(
            "<b>]</b> / <b>[</b> next / previous evidence · <b>Esc</b> back to the work"
        )
        self.hint.setStyleSheet("color:#888")
        # A hint never widens the stage (the window must fit 1280 px); it is cut when narrow.
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.back = QPushButton("◀ Back to the work (Esc)")
        self.back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.back.clicked.connect(self.back_requested)
        foot = QHBoxLayout()
        foot.setContentsMargins(2, 0, 2, 0)
        foot.addWidget(self.back)
        foot.addWidget(self.hint, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(panes, 1)
        lay.addLayout(foot)
        self._syncing = False
        self.left.view_changed.connect(lambda: self._follow(self.left, self.right))
        self.right.view_changed.connect(lambda: self._follow(self.right, self.left))

    # -- what is shown ----------------------------------------------------------------------------

    def set_detail(self, detail: AssetDetail | None, index: int = 0) -> None:
        """Compare `detail` with its evidence number `index` (kept when the same work refreshes)."""
        same = (
            detail is not None
            and self.detail is not None
            and detail.asset.id == self.detail.asset.id
        )
        current = self.current()
        self.detail = detail
        self.items = evidence_items(detail)
        if same and current is not None:
            ids = [i.work.asset_id for i in self.items]
            index = ids.index(current.work.asset_id) if current.work.asset_id in ids else 0
        self._show_left()
        self.show_evidence(index if self.items else -1)

    def show_loading(self, path: str, checksum: str | None, title: str) -> None:
        """The next work while its detail loads: its image on the left, nothing on the right."""
        self.detail, self.items, self.index = None, [], -1
        self.left_caption.setText(f"<b>Under review:</b> {html.escape(title)}")
        self.previews.show(self.left, path, checksum)
        self.right_caption.setText("")
        self.previews.clear(self.right, "Loading evidence…")
        self.evidence_changed.emit(-1)

    def current(self) -> EvidenceItem | None:
        """The evidence work on the right, if any."""
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def step(self, step: int) -> None:
        """The next (+1) or previous (-1) evidence work, wrapping around."""
        if self.items:
            self.show_evidence((self.index + step) % len(self.items))

    def show_evidence(self, index: int) -> None:
        """Put evidence work `index` on the right (-1: none)."""
        self.index = index if 0 <= index < len(self.items) else -1
        item = self.current()
        if item is None:
            self.right_caption.setText("<b>Evidence:</b> none")
            self.previews.clear(self.right, NO_EVIDENCE if self.detail is not None else "")
        else:
            e = item.work
            self.right_caption.setText(
                f"<b>Evidence {self.index + 1} of {len(self.items)}:</b> "
                f"{html.escape(e.title or '(untitled)')} — "
                f"{e.given_as(f'<b>{html.escape(item.artist)}</b>')} (candidate {item.rank}, "
                f"{item.probability:.0%}); similarity {e.similarity:.2f}"
            )
            self.previews.show(
                self.right, e.image_path, e.checksum, lambda: self._follow(self.left, self.right)
            )
            nxt = self.items[(self.index + 1) % len(self.items)].work
            self.previews.prefetch(nxt.image_path, nxt.checksum)
        self.evidence_changed.emit(self.index)

    def _show_left(self) -> None:
        d = self.detail
        if d is None:
            self.left_caption.setText("")
            self.previews.clear(self.left, "No asset selected")
            return
        a = d.asset
        top = d.candidates(Field.ARTIST)
        known = a.value(Field.ARTIST)
        who = known or (f"suggested {top[0].value}" if top else "artist unknown")
        self.left_caption.setText(
            f"<b>Under review:</b> {html.escape(a.title or '(untitled)')} — {html.escape(who)}"
        )
        self.previews.show(self.left, a.image_path, a.checksum)

    # -- synchronised zoom and pan ----------------------------------------------------------------

    def _follow(self, leader: ImageView, follower: ImageView) -> None:
        if self._syncing or not (leader.has_image() and follower.has_image()):
            return
        self._syncing = True
        try:
            follower.set_view_state(*leader.view_state())
        finally:
            self._syncing = False

    def zoom(self, factor: float) -> None:
        """Zoom both images (the keys +/-)."""
        self.left.zoom(factor)

    def fit(self) -> None:
        """Fit both images."""
        self.left.fit()
        self.right.fit()
