"""Help: the keys as a cheat-sheet overlay over the window (Anki / Label Studio style), read from
the menus themselves (the one registry of shortcuts: nothing to keep in sync), and the short
review workflow guide."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QMenu,
    QMenuBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

#: Columns of menu groups in the overlay.
COLUMNS = 3


def shortcut_groups(bar: QMenuBar) -> list[tuple[str, list[tuple[str, str]]]]:
    """(menu title, [(action, keys)]) for every menu action that has keys, in menu order."""
    out = []
    for top in bar.actions():
        menu = top.menu()
        if not isinstance(menu, QMenu):
            continue
        rows = []
        for a in menu.actions():
            keys = ", ".join(
                s.toString(QKeySequence.SequenceFormat.NativeText) for s in a.shortcuts()
            )
            if keys and not a.isSeparator():
                rows.append((a.text().replace("&", ""), keys))
        if rows:
            out.append((top.text().replace("&", ""), rows))
    return out


class CheatSheet(QWidget):
    """Every key over a dimmed window; any key or click closes it."""

    closed = Signal()

    def __init__(self, window: QWidget, bar: QMenuBar) -> None:
        super().__init__(window)
        self.bar = bar
        self.setObjectName("cheatsheet")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(40, 30, 40, 30)
        self.grid.setHorizontalSpacing(36)
        self.footer = QLabel(
            "Any key or a click closes this · Help ▸ Review workflow: the steps of a review"
        )
        self.footer.setStyleSheet("color:#ccc")
        window.installEventFilter(self)
        self.hide()

    def rows(self) -> dict[str, str]:
        """Action -> keys, as the overlay lists them (for tests)."""
        return {name: keys for _, rows in shortcut_groups(self.bar) for name, keys in rows}

    def open(self) -> None:
        """Rebuild from the menus (their texts follow the state: 'Undo accept X') and show."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None and w is not self.footer:
                w.deleteLater()
        groups = shortcut_groups(self.bar)
        for i, (title, rows) in enumerate(groups):
            cells = "".join(
                f"<tr><td style='padding-right:14px'><b><code>{escape(k)}</code></b></td>"
                f"<td>{escape(name)}</td></tr>"
                for name, k in rows
            )
            label = QLabel(f"<h3 style='color:#fff'>{escape(title)}</h3><table>{cells}</table>")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setStyleSheet("color:#eee")
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            self.grid.addWidget(label, i // COLUMNS, i % COLUMNS)
        last = (len(groups) + COLUMNS - 1) // COLUMNS
        self.grid.addWidget(self.footer, last, 0, 1, COLUMNS)
        for r in range(last + 1):
            self.grid.setRowStretch(r, 0)
        self.grid.setRowStretch(last + 1, 1)  # the groups at the top, not spread over the height
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def paintEvent(self, ev: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 24, 24, 242))  # dim enough to read over a painting

    def keyPressEvent(self, ev: object) -> None:
        self.dismiss()

    def mousePressEvent(self, ev: object) -> None:
        self.dismiss()

    def dismiss(self) -> None:
        if self.isVisible():
            self.hide()
            self.closed.emit()

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.Resize and self.isVisible():
            parent = self.parentWidget()
            if parent is not None:
                self.setGeometry(parent.rect())
        return False


#: The review workflow in a few steps (Help ▸ Review workflow); the keys are the menus'.
GUIDE = """
<h2>Reviewing a collection</h2>
<ol>
<li><b>Choose the work.</b> Tick <i>Missing artist</i> or <i>Missing year</i> and sort by
<i>Least confident first</i>: the assets where a curator's eye helps most come first.</li>
<li><b>Look.</b> The painting, its known fields and the model's candidates with their
probabilities; <i>C</i> compares it with the evidence (the candidate's most similar confirmed
works), <i>E</i> shows it large.</li>
<li><b>Decide one field at a time.</b> <i>A</i> accepts the focused suggestion (▶), <i>R</i>
rejects it, <i>1</i>–<i>5</i> pick a candidate, <i>S</i> switches between artist and date,
<i>T</i> types a value; narrow a date's years before accepting it.</li>
<li><b>Not sure?</b> <i>J</i> skips to the next asset; <i>!</i> flags it for an expert with a
note (the <i>Flagged</i> filter finds it again, the export carries the note).</li>
<li><b>Take the sure ones in one go.</b> <i>Ctrl+B</i>: a batch accept above a probability,
previewed item by item, with how many to expect wrong; untick what you doubt.</li>
<li><b>Changed your mind?</b> <i>Ctrl+Z</i> (the Edit menu names the step), <i>Ctrl+Alt+Z</i>
lists every step; a batch undoes in one step. <i>H</i>: the asset's history.</li>
<li><b>The model learns.</b> After enough confirmations it retrains when you pause; a note says
when a new model is active and what changed (<i>Model ▸ Model panel</i> for the figures).</li>
<li><b>Export.</b> <i>File ▸ Export CSV</i>: every value with where it came from.</li>
</ol>
<p>F1 or ? shows every key over the window.</p>
"""


class GuideDialog(QDialog):
    """The review workflow guide."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review workflow")
        lay = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setHtml(GUIDE)
        lay.addWidget(self.text)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        lay.addWidget(box)
        self.resize(620, 560)
