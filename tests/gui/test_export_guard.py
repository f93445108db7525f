"""File ▸ Export onto the open catalogue, or onto a file that is not our CSV (issue 16 item 2):
refused, or replaced only once the curator says yes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.gui.conftest import Collection
from tests.gui.test_window import WAIT, open_desk

pytestmark = pytest.mark.gui


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_export_refuses_the_catalogue_and_asks_before_replacing_a_foreign_file(
    collection: Collection, catalogue_copy: Path, tmp_path: Path, qtbot: Any,
    isolated_settings: None, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    app = open_desk(catalogue_copy, tmp_path, collection.images)
    try:
        w = app.window
        before = _sha(catalogue_copy)
        dlg = w.open_export(str(catalogue_copy))
        dlg.start()
        qtbot.waitUntil(lambda: "refusing" in dlg.status.text(), timeout=WAIT)
        assert _sha(catalogue_copy) == before
        # A modal question cannot be clicked in a test: its answer is given here instead.
        answers: list[QMessageBox.StandardButton] = [QMessageBox.StandardButton.No]
        asked: list[str] = []

        def question(_parent: Any, _title: str, text: str, *_: Any) -> Any:
            asked.append(text)
            return answers.pop(0)

        monkeypatch.setattr(QMessageBox, "question", question)
        notes = tmp_path / "notes.csv"
        notes.write_text("not an export\n", encoding="utf-8")
        dlg.out.setText(str(notes))
        dlg.start()
        qtbot.waitUntil(lambda: bool(asked) and dlg.start_button.isEnabled(), timeout=WAIT)
        assert "not a CSV written by heritage-desk" in asked[0]
        assert notes.read_text(encoding="utf-8") == "not an export\n"
        answers.append(QMessageBox.StandardButton.Yes)
        dlg.start()
        qtbot.waitUntil(lambda: dlg.status.text() == "Done.", timeout=WAIT)
        assert notes.read_text(encoding="utf-8").startswith("image_file,")
        dlg.close()
    finally:
        app.close()
