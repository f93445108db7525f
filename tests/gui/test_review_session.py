"""A curator's session in the real window on a real small catalogue with a real model.

Filter, open an item, enter metadata, see the suggestions change, accept by keyboard, undo,
batch-accept, export, and check the exported CSV. Nothing is faked: the catalogue is SQLite,
the suggestions come from a tiny lite0 model trained on WikiArt paintings in the fixture.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from heritage_desk.core.model import Field
from heritage_desk.core.names import same_person
from tests.gui.conftest import Collection, call

pytestmark = [pytest.mark.gui, pytest.mark.slow]
WAIT = 60_000  # ms; the first batch loads torch and the backbone


@pytest.fixture
def desk(app_with_model: Any) -> Any:
    """The window with the test model at the screenshot size, its background pass started."""
    app_with_model.window.resize(1280, 820)
    app_with_model.start()
    return app_with_model


def shown_with_suggestions(w: Any) -> bool:
    d = w.review.detail
    return d is not None and bool(d.suggestions) and w.suggestions.detail is d


def test_review_session(desk: Any, collection: Collection, qtbot: Any, tmp_path: Path) -> None:
    w = desk.window
    qtbot.waitUntil(lambda: w.model.rowCount() == 14, timeout=WAIT)

    # Filter: missing artist.
    w.collection.filters.missing_artist.setChecked(True)
    qtbot.waitUntil(lambda: w.model.rowCount() == len(collection.hidden_artist), timeout=WAIT)
    assert all(w.model.row_data(i).asset.value(Field.ARTIST) is None for i in range(7))

    # Open an item: its suggestions are computed by the real model and shown.
    w.collection.set_current_row(0)
    qtbot.waitUntil(lambda: shown_with_suggestions(w), timeout=WAIT)
    first = w.review.detail
    assert first.candidates(Field.ARTIST), "no artist candidates"
    assert len(w.suggestions.shown_artists()) == min(5, len(first.candidates(Field.ARTIST)))

    # Enter metadata: a style the model knows changes its context, so the suggestions change.
    before = [(s.value, round(s.probability, 6)) for s in first.candidates(Field.ARTIST)]
    style = w.form.editors[Field.STYLE]
    style.set_text("Impressionism")
    style.committed.emit("Impressionism")
    aid = first.asset.id

    def changed() -> bool:
        d = w.review.detail
        if d is None or d.asset.id != aid or d.asset.value(Field.STYLE) != "Impressionism":
            return False
        now = [(s.value, round(s.probability, 6)) for s in d.candidates(Field.ARTIST)]
        return bool(now) and now != before

    qtbot.waitUntil(changed, timeout=WAIT)

    # Accept both by keyboard: the top artist becomes the value and the next item comes up.
    top = w.review.detail.candidates(Field.ARTIST)[0].value
    w.collection.active_view().setFocus()
    qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(
        lambda: same_person(
            call(desk, qtbot, lambda d: d.detail(aid).asset.value(Field.ARTIST)) or "", top
        ),
        timeout=WAIT,
    )
    assert w.collection.current_row() == 1
    qtbot.waitUntil(lambda: shown_with_suggestions(w), timeout=WAIT)
    assert w.review.detail.asset.id != aid
    history = call(desk, qtbot, lambda d: d.history(aid))
    assert [d.action.value for d in history if d.field is Field.ARTIST] == ["accept"]
    assert history[-1].reviewer == "tester"

    # Undo by keyboard: the artist is unknown again.
    qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: call(desk, qtbot, lambda d: d.detail(aid).asset.value(Field.ARTIST)) is None,
        timeout=WAIT,
    )

    # Pick candidate 2 by its number key, then type a value for the next asset.
    qtbot.waitUntil(lambda: shown_with_suggestions(w), timeout=WAIT)
    d = w.review.detail
    if len(d.candidates(Field.ARTIST)) >= 2:
        second, picked = d.candidates(Field.ARTIST)[1].value, d.asset.id
        qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_2)
        qtbot.waitUntil(
            lambda: same_person(
                call(desk, qtbot, lambda d: d.detail(picked).asset.value(Field.ARTIST)) or "",
                second,
            ),
            timeout=WAIT,
        )
        # One field at a time: the pick decided the artist only and the window stayed on the
        # asset (its date is focused now); J goes on to the next work.
        qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_J)
        qtbot.waitUntil(
            lambda: w.review.detail is not None and w.review.detail.asset.id != picked,
            timeout=WAIT,
        )
    typed = w.review.detail.asset.id
    assert w.review.detail.asset.value(Field.ARTIST) is None
    qtbot.keyClick(w.collection.active_view(), Qt.Key.Key_T)
    assert w.suggestions.value_edit.hasFocus() or not w.isActiveWindow()
    w.suggestions.value_edit.setText("Claude Monet")
    w.suggestions.value_edit.returnPressed.emit()
    qtbot.waitUntil(
        lambda: (
            call(desk, qtbot, lambda d: d.detail(typed).asset.fields.get(Field.ARTIST)) is not None
        ),
        timeout=WAIT,
    )
    fv = call(desk, qtbot, lambda d: d.detail(typed).asset.fields.get(Field.ARTIST))
    assert (fv.value, fv.provenance.value, fv.reviewer) == ("Claude Monet", "curator", "tester")
    w.collection.active_view().setFocus()

    # Batch accept: compute every suggestion first, preview, accept, one step.
    qtbot.waitUntil(desk.background_done, timeout=WAIT)
    dlg = w.open_batch()
    dlg.threshold.setValue(0.05)
    qtbot.waitUntil(lambda: dlg.count is not None and dlg.ok.isEnabled(), timeout=WAIT)
    previewed = dlg.count
    assert previewed > 0
    with qtbot.waitSignal(desk.executor.changes, timeout=WAIT):
        dlg.ok.click()
    missing = call(desk, qtbot, lambda d: d.stats())["without_artist"]
    manual = 2 if len(d.candidates(Field.ARTIST)) >= 2 else 1  # the pick and the typed value
    filled = len(collection.hidden_artist) - missing - manual
    assert filled == previewed or filled > 0

    # Export and check the CSV: accepted values carry their provenance and model.
    out = tmp_path / "export.csv"
    exp = w.open_export(str(out))
    with qtbot.waitSignal(exp.finished_job, timeout=WAIT):
        exp.start_button.click()
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 14
    accepted = [r for r in rows if r["artist_source"] == "suggestion"]
    assert len(accepted) == filled + manual - 1  # the typed value is the curator's
    assert sum(r["artist_source"] == "curator" for r in rows) == 1
    assert all(r["artist"] and r["artist_model_version"] for r in accepted)
    assert all(r["artist_reviewer"] == "tester" for r in accepted)
