"""The suggestions panel: top-5 artists with probability bars, the decade, evidence, decisions."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from heritage_desk.core.model import UNKNOWN_ARTIST, Doubt, Field, Suggestion
from heritage_desk.core.views import AssetDetail, Evidence
from heritage_desk.core.yearbins import decade_label
from heritage_desk.gui.widgets import ProbabilityBar, Thumb, confidence_colour, confidence_word
from heritage_desk.workers.thumbnails import ThumbnailLoader

MAX_CANDIDATES = 5
EVIDENCE_PER_ARTIST = 3
EVIDENCE_EDGE = 34
EVIDENCE_THUMB = 144  # the grid's size: one cached file serves both


#: A suggested range wider than this (years) is headed by the range, not by a decade.
WIDE_RANGE = 30


def doubt_text(d: Doubt) -> str:
    """Why the work is listed under "Possible mistake", in a curator's words."""
    other = "a painter it does not know" if d.alternative == UNKNOWN_ARTIST else d.alternative
    given = f"{d.recorded_probability:.0%}" if d.recorded_probability >= 0.005 else "under 1%"
    return (
        f"⚠ Possible mistake: the model gives the recorded artist {given}"
        f" given the image and the known fields; it would say {other} "
        f"({d.alternative_probability:.0%}). Worth a second look; nothing was changed."
    )


def date_text(s: Suggestion) -> str:
    """'1870s (1865–1884)' for a date suggestion; a wide one reads '1650–2019 (likeliest
    1880s; median 1790)': its likeliest decade is a poor single year, the median is better."""
    label = s.value
    if s.year_from is not None and not s.value.endswith("s"):
        label = decade_label(s.year_from - s.year_from % 10)
    if s.year_from is not None and s.year_to is not None and s.year_to != s.year_from:
        if s.year_to - s.year_from + 1 > WIDE_RANGE:
            median = f"; median {s.year_estimate}" if s.year_estimate is not None else ""
            return f"{s.year_from}–{s.year_to}  (likeliest {label}{median})"
        return f"{label}  ({s.year_from}–{s.year_to})"
    return label


class CandidateRow(QWidget):
    """One candidate: key number, value, probability bar, percentage and evidence thumbnails."""

    picked = Signal(int)
    evidence_clicked = Signal(int)

    def __init__(self, rank: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rank = rank
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.key = QLabel(f"<b>{rank}</b>")
        self.key.setFixedWidth(14)
        self.name = QLabel()
        self.name.setMinimumWidth(150)
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.bar = ProbabilityBar()
        self.pct = QLabel()
        self.pct.setFixedWidth(64)
        self.pct.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        lay.addWidget(self.key)
        lay.addWidget(self.name, 3)
        lay.addWidget(self.bar, 2)
        lay.addWidget(self.pct)
        self.thumbs = [Thumb(EVIDENCE_EDGE) for _ in range(EVIDENCE_PER_ARTIST)]
        for t in self.thumbs:
            policy = t.sizePolicy()
            policy.setRetainSizeWhenHidden(True)  # rows line up with or without evidence
            t.setSizePolicy(policy)
            lay.addWidget(t)
        self.evidence: tuple[Evidence, ...] = ()
        for i, t in enumerate(self.thumbs):
            t.clicked.connect(lambda i=i: self._on_thumb(i))
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_candidate(self, s: Suggestion, evidence: tuple[Evidence, ...]) -> None:
        """Show `s`; unsure candidates get an italic name and a hatched bar."""
        p = s.probability
        colour = confidence_colour(p).name()
        style = "" if p >= 0.5 else "font-style:italic;"
        self.name.setText(f"<span style='{style}'>{s.value}</span>")
        self.name.setToolTip(f"{s.value}: {p:.1%}, {confidence_word(p)} (model {s.model_version})")
        self.bar.set_probability(p)
        self.pct.setText(f"<span style='color:{colour}'>{p:.0%}</span>")
        self.evidence = evidence[:EVIDENCE_PER_ARTIST]
        for i, t in enumerate(self.thumbs):
            if i < len(self.evidence):
                e = self.evidence[i]
                t.setToolTip(
                    f"{e.title or '(untitled)'} — {e.given_as(s.value)}; similarity "
                    f"{e.similarity:.2f}; click to compare side by side (C)"
                )
                t.show()
            else:
                t.set_pixmap(None)
                t.hide()

    def mousePressEvent(self, ev: object) -> None:
        self.picked.emit(self.rank)

    def _on_thumb(self, i: int) -> None:
        if i < len(self.evidence):
            self.evidence_clicked.emit(self.evidence[i].asset_id)


class SectionLabel(QLabel):
    """A section heading (artist, date) that focuses its section when clicked."""

    clicked = Signal()

    def mousePressEvent(self, ev: QMouseEvent) -> None:
        self.clicked.emit()
        super().mousePressEvent(ev)


class ValueEdit(QLineEdit):
    """The 'type a value' box: Escape clears it and hands the keys back (no keyboard trap)."""

    escaped = Signal()

    def event(self, ev: QEvent) -> bool:
        # Escape is the window's "back" key too (compare, loupe): in the box it leaves the box.
        override = ev.type() == QEvent.Type.ShortcutOverride and isinstance(ev, QKeyEvent)
        if override and ev.key() == Qt.Key.Key_Escape:  # type: ignore[attr-defined]
            ev.accept()
            return True
        return super().event(ev)

    def keyPressEvent(self, ev: QKeyEvent) -> None:
        if ev.key() == Qt.Key.Key_Escape:
            self.clear()
            self.escaped.emit()
            return
        super().keyPressEvent(ev)


class SuggestionsPanel(QFrame):
    """Shows an AssetDetail's suggestions; emits what the curator decides."""

    accept_requested = Signal()
    accept_both_requested = Signal()
    #: The curator clicked a section: A, R and 1-5 act on this field (Field).
    focus_requested = Signal(object)
    reject_requested = Signal()
    pick_requested = Signal(int)  # rank 1..5
    value_entered = Signal(object, str)  # Field, text
    evidence_opened = Signal(int)  # asset id
    #: The curator is done with the value box (Enter or Escape): the review keys take over.
    typing_finished = Signal()

    def __init__(self, thumbnails: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.detail: AssetDetail | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        self.heading = QLabel("<b>Suggestions</b>")
        self.status = QLabel()
        self.status.setWordWrap(True)
        head = QHBoxLayout()
        head.addWidget(self.heading)
        head.addStretch(1)
        head.addWidget(self.status)
        outer.addLayout(head)
        self.artist_label = SectionLabel("Artist")
        self.artist_label.clicked.connect(lambda: self.focus_requested.emit(Field.ARTIST))
        outer.addWidget(self.artist_label)
        self.doubt_label = QLabel()  # a recorded artist the model strongly doubts (issue 17)
        self.doubt_label.setWordWrap(True)
        self.doubt_label.setStyleSheet("color:#b35c00")
        outer.addWidget(self.doubt_label)
        self.rows = [CandidateRow(i + 1) for i in range(MAX_CANDIDATES)]
        for r in self.rows:
            r.picked.connect(self.pick_requested)
            r.evidence_clicked.connect(self.evidence_opened)
            outer.addWidget(r)
        grid = QGridLayout()
        self.date_label = SectionLabel("Date")
        self.date_label.clicked.connect(lambda: self.focus_requested.emit(Field.DATE))
        self.date_value = QLabel()
        self.date_bar = ProbabilityBar()
        self.date_pct = QLabel()
        grid.addWidget(self.date_label, 0, 0)
        grid.addWidget(self.date_value, 0, 1)
        grid.addWidget(self.date_bar, 0, 2)
        grid.addWidget(self.date_pct, 0, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        outer.addLayout(grid)
        # The range to accept, editable first: a curator narrows "1855–1874" to what she knows.
        self.range_row = QWidget()
        rr = QHBoxLayout(self.range_row)
        rr.setContentsMargins(0, 0, 0, 0)
        self.year_from, self.year_to = QSpinBox(), QSpinBox()
        for box in (self.year_from, self.year_to):
            box.setRange(-3000, 2100)
            box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            box.editingFinished.connect(self.typing_finished)
        self.year_from.setObjectName("year_from")
        self.year_to.setObjectName("year_to")
        rr.addWidget(QLabel("accept as years"))
        rr.addWidget(self.year_from)
        rr.addWidget(QLabel("–"))
        rr.addWidget(self.year_to)
        rr.addStretch(1)
        outer.addWidget(self.range_row)
        typed = QHBoxLayout()
        self.field_box = QComboBox()
        self.field_box.addItem("Artist", Field.ARTIST)
        self.field_box.addItem("Date", Field.DATE)
        self.value_edit = ValueEdit()
        self.value_edit.setPlaceholderText("Type a value and press Enter (T)")
        self.value_edit.returnPressed.connect(self._on_typed)
        self.value_edit.escaped.connect(self.typing_finished)
        typed.addWidget(self.field_box)
        typed.addWidget(self.value_edit, 1)
        outer.addLayout(typed)
        buttons = QHBoxLayout()
        self.accept_button = QPushButton("Accept artist  (A)")
        self.both_button = QPushButton("Accept both  (Shift+A)")
        self.both_button.setToolTip("Accept the top artist and the top date together")
        self.reject_button = QPushButton("Reject artist  (R)")
        self.accept_button.clicked.connect(self.accept_requested)
        self.both_button.clicked.connect(self.accept_both_requested)
        self.reject_button.clicked.connect(self.reject_requested)
        for b in (self.accept_button, self.both_button, self.reject_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        outer.addLayout(buttons)
        self.model_label = QLabel()
        self.model_label.setStyleSheet("color:#777")
        self.model_label.setWordWrap(True)  # a long provenance line must not widen the panel
        outer.addWidget(self.model_label)
        outer.addStretch(1)
        thumbnails.ready.connect(self._refresh_thumbs)
        self.focus_field = Field.ARTIST
        self.set_detail(None)

    def set_vocabulary(self, names: list[str]) -> None:
        """Artist names offered while typing."""
        completer = QCompleter(names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.value_edit.setCompleter(completer)

    def set_detail(self, detail: AssetDetail | None, message: str = "") -> None:
        """Show the suggestions of `detail` (None: nothing selected, or still computing)."""
        self.detail = detail
        artists = detail.candidates(Field.ARTIST) if detail else []
        dates = detail.candidates(Field.DATE) if detail else []
        known_artist = detail.asset.value(Field.ARTIST) if detail else None
        known_date = detail.asset.value(Field.DATE) if detail else None
        doubt = detail.doubt if detail else None
        if doubt is not None and doubt.is_possible_mistake:
            self.doubt_label.setText(doubt_text(doubt))
            self.doubt_label.show()
        else:
            self.doubt_label.hide()
        if known_artist:
            self.artist_label.setText(f"Artist: <b>{known_artist}</b>")
        else:
            top = artists[0].probability if artists else 0.0
            word = f" — <i>{confidence_word(top)}</i>" if artists else ""
            if artists and artists[0].value == UNKNOWN_ARTIST:
                word = " — <i>probably by a painter the model does not know</i>"
            self.artist_label.setText(f"Artist{word}")
        for i, row in enumerate(self.rows):
            if not known_artist and i < len(artists):
                s = artists[i]
                row.set_candidate(s, detail.evidence.get(s.value, ()) if detail else ())
                row.show()
            else:
                row.hide()
        if known_date:
            self.date_label.setText("Date:")
            self.date_value.setText(f"<b>{known_date}</b>")
            self.date_bar.hide()
            self.date_pct.clear()
        elif dates:
            d = dates[0]
            self.date_label.setText("Date")
            wide = (
                d.year_from is not None and (d.year_to or d.year_from) - d.year_from >= WIDE_RANGE
            )
            style = "" if d.probability >= 0.5 and not wide else "font-style:italic;"
            self.date_value.setText(f"<span style='{style}'>{date_text(d)}</span>")
            self.date_bar.set_probability(d.probability)
            self.date_bar.show()
            self.date_pct.setText(f"{d.probability:.0%}")
        else:
            self.date_label.setText("Date")
            self.date_value.setText("—")
            self.date_bar.hide()
            self.date_pct.clear()
        if not known_date and dates and dates[0].year_from is not None:
            top_date = dates[0]
            self.year_from.setValue(top_date.year_from or 0)
            self.year_to.setValue(top_date.year_to or top_date.year_from or 0)
            self.range_row.show()
        else:
            self.range_row.hide()
        pending_fields = detail.pending_fields() if detail else []
        pending = bool(pending_fields)
        self.accept_button.setEnabled(pending)
        self.reject_button.setEnabled(pending)
        self.both_button.setEnabled(len(pending_fields) > 1)
        self.set_focus_field(self.focus_field)
        self.value_edit.setEnabled(detail is not None)
        versions = {s.model_version for s in (detail.suggestions if detail else ())}
        text = f"model {', '.join(sorted(versions))}" if versions else ""
        if versions and detail is not None and detail.figure_sources is not None:
            artist, date = detail.figure_sources
            text += f" · artist figures: {artist} · date figures: {date}"
        self.model_label.setText(text)
        if message:
            self.status.setText(message)
        elif detail is None:
            self.status.setText("")
        elif not (known_artist and known_date) and not pending:
            self.status.setText("<i>no suggestions yet</i>")
        else:
            self.status.setText("")
        self._refresh_thumbs()

    def date_range(self) -> tuple[int, int]:
        """The years the date editor shows (what accepting the date writes)."""
        return self.year_from.value(), self.year_to.value()

    def set_focus_field(self, field: Field) -> None:
        """Mark the section A, R and 1-5 act on, and name it on the buttons."""
        self.focus_field = field
        for f, label in ((Field.ARTIST, self.artist_label), (Field.DATE, self.date_label)):
            text = label.text().removeprefix("▶ ")
            label.setText(f"▶ {text}" if f is field else text)
            label.setStyleSheet("color:#0b5cad; font-weight:bold" if f is field else "")
        self.accept_button.setText(f"Accept {field.value}  (A)")
        self.reject_button.setText(f"Reject {field.value}  (R)")

    def shown_artists(self) -> list[str]:
        """The candidate names on screen, in rank order (for tests and screenshots)."""
        return [r.name.text() for r in self.rows if not r.isHidden()]

    def focus_value(self) -> None:
        """Put the cursor in the 'type a value' box."""
        self.value_edit.setFocus()
        self.value_edit.selectAll()

    def _on_typed(self) -> None:
        text = self.value_edit.text().strip()
        if text:
            # Item data comes back from Qt as a plain str: make it a Field again.
            self.value_entered.emit(Field(self.field_box.currentData()), text)
            self.value_edit.clear()
        self.typing_finished.emit()

    def _refresh_thumbs(self, _key: str = "") -> None:
        for row in self.rows:
            if row.isHidden():
                continue
            for t, e in zip(row.thumbs, row.evidence, strict=False):
                t.set_pixmap(self.thumbnails.pixmap(e.image_path, e.checksum, EVIDENCE_THUMB))
