"""The metadata form: what the curator knows about an asset, editable, one field at a time."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QWidget

from heritage_desk.core.model import Asset, Field, Provenance

#: Fields edited with a combo fed by the catalogue's vocabulary.
COMBO_FIELDS = (Field.ARTIST, Field.GENRE, Field.STYLE, Field.MEDIUM)
#: Fields edited as free text.
TEXT_FIELDS = (Field.TITLE, Field.DATE)

_PROVENANCE_MARK = {
    Provenance.IMPORTED: "",
    Provenance.CURATOR: "✎",
    Provenance.SUGGESTION: "✓",
}


class VocabCombo(QComboBox):
    """An editable combo whose list is a vocabulary; empty text means 'unknown'."""

    committed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        completer, edit = self.completer(), self.lineEdit()
        assert completer is not None and edit is not None  # an editable combo has both
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        edit.editingFinished.connect(lambda: self.committed.emit(self.currentText()))
        self.activated.connect(lambda _i: self.committed.emit(self.currentText()))

    def set_items(self, values: list[str]) -> None:
        """Replace the list, keeping the text."""
        text = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(values)
        self.setEditText(text)
        self.blockSignals(False)

    def set_text(self, text: str) -> None:
        """Show `text` without signalling a commit."""
        self.blockSignals(True)
        self.setEditText(text)
        self.blockSignals(False)


class MetadataForm(QWidget):
    """Title, inventory number, artist, date, genre, style, medium; emits each committed edit."""

    #: (Field, new value or "" for unknown) after the curator changes a field.
    edited = Signal(object, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.asset: Asset | None = None
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.inventory = QLabel()
        self.inventory.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.editors: dict[Field, QLineEdit | VocabCombo] = {}
        self.marks: dict[Field, QLabel] = {}
        form.addRow("Inventory no.", self.inventory)
        for f, label in (
            (Field.TITLE, "&Title"),
            (Field.ARTIST, "Ar&tist"),
            (Field.DATE, "&Date"),
            (Field.GENRE, "&Genre"),
            (Field.STYLE, "St&yle"),
            (Field.MEDIUM, "&Medium"),
        ):
            editor: QLineEdit | VocabCombo
            if f in COMBO_FIELDS:
                editor = VocabCombo()
                editor.committed.connect(lambda text, f=f: self._commit(f, text))
            else:
                editor = QLineEdit()
                editor.editingFinished.connect(lambda f=f, e=editor: self._commit(f, e.text()))
            editor.setObjectName(f"edit_{f.value}")
            self.editors[f] = editor
            form.addRow(label, editor)
        self.flag = QLabel()  # flagged for an expert: the note (Review ▸ Flag changes it)
        self.flag.setWordWrap(True)
        self.flag.setStyleSheet("color:#8a4b00")
        form.addRow("Flagged", self.flag)
        self._form = form
        if isinstance(self.editors[Field.DATE], QLineEdit):
            self.editors[Field.DATE].setPlaceholderText("e.g. c. 1710, 1870/80, 1890s")
        self.setEnabled(False)

    def set_vocabulary(self, f: Field, values: list[str]) -> None:
        """The values offered for field `f`."""
        editor = self.editors.get(f)
        if isinstance(editor, VocabCombo):
            editor.set_items(values)

    def set_asset(self, asset: Asset | None) -> None:
        """Show `asset`'s values (None clears and disables the form)."""
        self.asset = asset
        self.setEnabled(asset is not None)
        self.inventory.setText(asset.inventory_number or "" if asset else "")
        flag = asset.fields.get(Field.FLAG) if asset else None
        self.flag.setText((flag.value or "(no note)") + f" — {flag.reviewer}" if flag else "")
        self._form.setRowVisible(self.flag, flag is not None)
        for f, editor in self.editors.items():
            fv = asset.fields.get(f) if asset else None
            text = fv.value if fv else ""
            if isinstance(editor, VocabCombo):
                editor.set_text(text)
            else:
                editor.blockSignals(True)
                editor.setText(text)
                editor.setCursorPosition(0)
                editor.blockSignals(False)
            tip = ""
            if fv is not None:
                tip = f"{fv.provenance.value}"
                if fv.reviewer:
                    tip += f" by {fv.reviewer}"
                if fv.model_version:
                    tip += f", model {fv.model_version}"
            editor.setToolTip(tip)

    def _commit(self, f: Field, text: str) -> None:
        if self.asset is None:
            return
        text = text.strip()
        if text == (self.asset.value(f) or ""):
            return
        self.edited.emit(f, text)
