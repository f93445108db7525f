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


def test_the_window_follows_decisions_and_model_switches_made_elsewhere(
    collection: Collection,
    catalogue_copy: Path,
    tmp_path: Path,
    qtbot: Any,
    isolated_settings: None,
) -> None:
    """Another curator's edit and model switch reach this window within seconds (was: never)."""
    from heritage_desk.core.model import Action, Field, Provenance
    from tests.gui.test_window import open_desk

    app: Any = open_desk(catalogue_copy, tmp_path, collection.images)
    try:
        w = app.window
        w.show()
        qtbot.waitUntil(lambda: w.model.rowCount() == 14, timeout=WAIT)
        qtbot.wait(500)  # the first poll has taken note of where the catalogue stands
        other = Catalogue.open(catalogue_copy)  # another curator's connection
        try:
            first = w.model.row_data(0, fetch=False).asset.id
            other.set_field(first, Field.TITLE, "Retitled by Bob", Provenance.CURATOR,
                            reviewer="bob", action=Action.EDIT)  # fmt: skip
            other.add_model_version("m042-elsewhere", str(tmp_path / "m.safetensors"),
                                    active=True)  # fmt: skip
        finally:
            other.close()

        def row_title() -> str | None:
            r = w.model.row_data(0, fetch=False)
            return r.asset.title if r is not None else None

        qtbot.waitUntil(lambda: row_title() == "Retitled by Bob", timeout=10_000)
        qtbot.waitUntil(lambda: "m042-elsewhere" in w.model_label.text(), timeout=10_000)
    finally:
        app.close()


@pytest.mark.postgres
def test_file_menu_switches_to_a_postgres_url_and_its_password_is_written_nowhere(
    collection: Collection,
    catalogue_copy: Path,
    tmp_path: Path,
    qtbot: Any,
    isolated_settings: None,
    postgres_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Open, Recent and a PostgreSQL URL: title, recent list and settings hold no password."""
    import sqlalchemy as sa
    from PySide6.QtCore import QSettings

    from heritage_desk.app.switch import CatalogueSwitcher
    from heritage_desk.gui.catalogue_menu import recent_catalogues
    from tests.gui.test_window import open_desk

    password = sa.engine.make_url(postgres_url).password
    assert password
    Catalogue.open(postgres_url).close()
    caplog.set_level(logging.DEBUG)
    first: Any = open_desk(catalogue_copy, tmp_path, collection.images)
    first.window.show()
    switcher = CatalogueSwitcher(first, lambda loc: open_desk(Path(loc) if "://" not in loc
                                                               else loc, tmp_path))  # type: ignore[arg-type]  # fmt: skip
    try:
        for name in ("open", "open_shared", "new"):
            assert name in first.window.actions_by_name
        first.window.switch_requested.emit(postgres_url)  # what File ▸ Open shared does
        qtbot.waitUntil(lambda: switcher.desk is not first, timeout=WAIT)
        w = switcher.desk.window
        assert "postgresql" in w.windowTitle() and f":{password}@" not in w.windowTitle()
        recent = recent_catalogues()
        assert recent[0].startswith("postgresql+psycopg://heritage@")  # reopenable, no "***"
        assert str(catalogue_copy) in recent
        QSettings().sync()
        for ini in (tmp_path / "qs").rglob("*.ini"):
            assert f":{password}@" not in ini.read_text(encoding="utf-8"), ini
        # A catalogue that cannot be opened: the open one stays, one masked line says why.
        from PySide6.QtWidgets import QMessageBox

        shown: list[str] = []  # a modal box would block the test: its text is captured instead
        orig = QMessageBox.warning
        QMessageBox.warning = staticmethod(lambda _p, _t, text, *a: shown.append(text))  # type: ignore[method-assign,assignment]
        try:
            bad = postgres_url.replace(f":{password}@", ":not-the-password@")
            switcher.switch(bad)
        finally:
            QMessageBox.warning = orig  # type: ignore[method-assign]
        assert switcher.desk.window is w
        assert shown and "not-the-password" not in shown[0]
    finally:
        switcher.desk.close()
    assert not any(f":{password}@" in r.getMessage() for r in caplog.records)
