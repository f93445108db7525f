"""The window on a catalogue shared with others: the catalogue's model, or a visible message.

A real window on a real catalogue with the test starter model; the active version the
catalogue names has no file on this machine (as when another curator's machine trained it
before models lived in the catalogue, or the file was deleted).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from heritage_desk.storage.catalogue import Catalogue
from tests.gui.conftest import Collection, open_model_desk

pytestmark = pytest.mark.gui
WAIT = 60_000


def test_an_unloadable_active_model_is_shown_in_the_status_bar_and_nothing_is_suggested(
    collection: Collection,
    catalogue_copy: Path,
    tmp_path: Path,
    qtbot: Any,
    isolated_settings: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Today the window fell back to the starter: 'model starter-...', its suggestions."""
    with Catalogue.open(catalogue_copy) as cat:
        cat.add_model_version("m007-gone", str(tmp_path / "m007-gone.safetensors"), active=True)
        before = cat.stats()["pending_suggestions"]
    caplog.set_level(logging.WARNING)
    app: Any = open_model_desk(collection, catalogue_copy, tmp_path)
    try:
        w = app.window
        w.show()
        app.start()
        qtbot.waitUntil(lambda: "cannot be loaded" in w.model_label.text(), timeout=WAIT)
        assert "m007-gone" in w.model_label.text()
        assert "color" in w.model_label.styleSheet()
        qtbot.waitUntil(lambda: not app.inference.is_busy(), timeout=WAIT)
        qtbot.wait(500)
    finally:
        app.close()
    said = [r for r in caplog.records if "m007-gone" in r.getMessage()]
    assert 1 <= len(said) <= 2, [r.getMessage() for r in said]  # once, not once per batch
    with Catalogue.open(catalogue_copy) as cat:
        assert cat.stats()["pending_suggestions"] == before
        versions = {s.model_version for a in cat.asset_ids() for s in cat.suggestions(a)}
    assert not any(v.startswith("starter-") for v in versions)
