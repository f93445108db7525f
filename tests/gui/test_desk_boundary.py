"""The window reaches the catalogue only through the typed Desk (issue 11).

The Desk has no `catalogue` attribute and hands out no storage object, so a widget that tried
`desk.catalogue...` would fail here at run time (and in mypy strict at lint time).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject

from heritage_desk.core.model import Field
from heritage_desk.storage.base import Scope
from heritage_desk.storage.catalogue import Catalogue
from tests.gui.conftest import WAIT

pytestmark = pytest.mark.gui
GUI = Path(__file__).parents[2] / "heritage_desk" / "gui"


def _storage_objects(obj: object) -> list[str]:
    """Attributes of `obj` that hold a catalogue or one of its repositories."""
    held = getattr(obj, "__dict__", {})
    return [k for k, v in held.items() if isinstance(v, Scope) or _is_repository(v)]


def _is_repository(v: object) -> bool:
    return type(v).__module__.startswith("heritage_desk.storage")


def test_the_window_edits_and_undoes_through_a_desk_without_a_catalogue(
    app_without_model: Any, catalogue_copy: Path, qtbot: Any
) -> None:
    desk, w = app_without_model.desk, app_without_model.window
    assert not hasattr(desk, "catalogue")
    assert app_without_model.executor.desk is desk
    public = {k: v for k, v in vars(desk).items() if not k.startswith("_")}
    assert not [k for k, v in public.items() if isinstance(v, Scope) or _is_repository(v)]
    # No widget, view model or worker the window owns holds a storage object either.
    for obj in [w, *w.findChildren(QObject)]:
        assert _storage_objects(obj) == [], type(obj).__name__
    # Drive the window: pick an asset, type a title, undo it; all through Desk ops.
    w.collection.set_current_row(2)
    qtbot.waitUntil(lambda: w.review.detail is not None, timeout=WAIT)
    aid = w.review.current_id
    with qtbot.waitSignal(w.review.decided, timeout=WAIT):
        w.review.edit(Field.TITLE, "Typed through the Desk")
    with Catalogue.open(catalogue_copy, create=False) as cat:  # a second, real connection
        assert cat.get_asset(aid).title == "Typed through the Desk"
    with qtbot.waitSignal(w.review.decided, timeout=WAIT):
        w.review.undo()
    with Catalogue.open(catalogue_copy, create=False) as cat:
        assert cat.get_asset(aid).title != "Typed through the Desk"
        assert [d.action.value for d in cat.history(aid)][-2:] == ["edit", "undo"]


def test_no_gui_module_names_a_catalogue() -> None:
    """The source check beside the run-time one: no `.catalogue` reach anywhere under gui/."""
    reach = re.compile(r"\.catalogue\b|\bcatalogue\.(?!py)")
    found = [
        f"{p.name}:{i}"
        for p in sorted(GUI.glob("*.py"))
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if reach.search(line)
    ]
    assert found == []
