"""Help (issue 12): F1 or ? lays every key over the window, read from the menus (the one
registry: a key added to a menu shows with no second list to update), any key closes it and
the review keys work again; the workflow guide names only keys the menus bind."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel

from heritage_desk.gui.cheatsheet import GUIDE, GuideDialog, shortcut_groups
from tests.gui.conftest import WAIT

pytestmark = pytest.mark.gui


def test_the_cheat_sheet_shows_every_menu_key_and_any_key_closes_it(
    app_on_first_row: Any, qtbot: Any
) -> None:
    w = app_on_first_row.window
    qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_F1)
    sheet = w._cheatsheet
    assert sheet.isVisible() and sheet.geometry() == w.rect()
    shown = " ".join(lab.text() for lab in sheet.findChildren(QLabel))
    bound = {
        (a.text().replace("&", ""), s.toString(QKeySequence.SequenceFormat.NativeText))
        for a in w.actions_by_name.values()
        for s in a.shortcuts()
    }
    # Every bound key of every action is on the sheet, grouped under its menu.
    for name, key in bound:
        assert name in shown and key.replace("&", "&amp;").replace("<", "&lt;") in shown, name
    groups = dict(shortcut_groups(w.menuBar()))
    assert "Flag for an expert (with a note)…" in dict(groups["Review"])
    assert dict(groups["Edit"])["Undo history…"] == "Ctrl+Alt+Z"
    # A key added to a menu appears with nothing else to change.
    extra = w.menuBar().actions()[-1].menu().addAction("A test action")
    extra.setShortcut(QKeySequence("Ctrl+Alt+T"))
    w.open_shortcuts()
    assert sheet.rows()["A test action"] == "Ctrl+Alt+T"
    # Any key closes it and hands the keys back to the review.
    qtbot.keyClick(sheet, Qt.Key.Key_Space)
    assert not sheet.isVisible()
    qtbot.waitUntil(lambda: w.collection.active_view().hasFocus() or not w.isActiveWindow())
    before = w.collection.current_row()
    qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_J)
    qtbot.waitUntil(lambda: w.collection.current_row() == before + 1, timeout=WAIT)
    # "?" opens it too.
    qtbot.keyClick(w.collection.active_view(), "?")
    assert sheet.isVisible()
    qtbot.mouseClick(sheet, Qt.MouseButton.LeftButton)
    assert not sheet.isVisible()


def test_the_workflow_guide_names_only_keys_the_menus_bind(app_on_first_row: Any) -> None:
    w = app_on_first_row.window
    w.actions_by_name["guide"].trigger()
    dlg = next(c for c in w.findChildren(GuideDialog))
    assert "Reviewing a collection" in dlg.text.toPlainText()
    bound = {
        s.toString(QKeySequence.SequenceFormat.PortableText)
        for a in w.actions_by_name.values()
        for s in a.shortcuts()
    }
    named = re.findall(r"<i>([^<]{1,10})</i>", GUIDE)
    keys = [k for k in named if len(k) == 1 or "+" in k or re.fullmatch(r"F\d+", k)]
    assert {"A", "R", "J", "!", "Ctrl+B", "Ctrl+Alt+Z", "C", "E"} <= set(keys)
    assert [k for k in keys if k not in bound and not re.fullmatch(r"\d", k)] == []
    dlg.close()
