"""One field at a time (issue 17 item 6): A and 1-5 act on the focused suggestion only, Shift+A
accepts both, the year range is edited before accepting, history and export say where each
value came from. The real window, catalogue and tiny lite0 model of the fixtures.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from heritage_desk.core.model import Field
from heritage_desk.core.names import same_person
from tests.gui.conftest import WAIT, Collection, call

pytestmark = pytest.mark.gui


def _rows_missing_both(w: Any, collection: Collection) -> list[int]:
    both = collection.hidden_artist & collection.hidden_date
    return [i for i in range(14) if Path(w.model.row_data(i).asset.image_path).name in both]


def _shown_with_both(w: Any, aid: int | None = None) -> bool:
    d = w.review.detail
    return (
        d is not None
        and w.suggestions.detail is d
        and (aid is None or d.asset.id == aid)
        and bool(d.candidates(Field.ARTIST))
        and bool(d.candidates(Field.DATE))
    )


def _asset(app: Any, qtbot: Any, aid: int) -> Any:
    return call(app, qtbot, lambda s: s.detail(aid).asset)


def until(app: Any, qtbot: Any, aid: int, pred: Any) -> Any:
    """Wait until the stored asset satisfies `pred` (the background pass also sends changes,
    so the first Changes signal need not be ours) and return it."""
    box: list[Any] = []

    def ok() -> bool:
        a = _asset(app, qtbot, aid)
        box[:] = [a]
        return bool(pred(a))

    qtbot.waitUntil(ok, timeout=WAIT)
    return box[0]


def key(qtbot: Any, w: Any, k: Qt.Key, mod: Any = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(w.collection.active_view(), k, mod)


def test_a_accepts_the_focused_field_only_and_undo_takes_it_back(
    app_with_model: Any, collection: Collection, qtbot: Any
) -> None:
    w = app_with_model.window
    row = _rows_missing_both(w, collection)[0]
    w.collection.set_current_row(row)
    app_with_model.start()
    qtbot.waitUntil(lambda: _shown_with_both(w), timeout=WAIT)
    d = w.review.detail
    aid, top_artist = d.asset.id, d.candidates(Field.ARTIST)[0]
    assert w.review.focused() is Field.ARTIST and "▶" in w.suggestions.artist_label.text()
    assert w.suggestions.both_button.isEnabled() and w.suggestions.both_button.isVisible()

    key(qtbot, w, Qt.Key.Key_A)
    a = until(app_with_model, qtbot, aid, lambda a: a.value(Field.ARTIST))
    assert same_person(a.value(Field.ARTIST) or "", top_artist.value)
    assert a.value(Field.DATE) is None, "A accepted the date too"
    # Still on this asset, now on its date.
    assert w.review.current_id == aid and w.review.focused() is Field.DATE
    assert "▶" in w.suggestions.date_label.text()
    fv = a.fields[Field.ARTIST]
    assert fv.origin and fv.origin.startswith("artist suggestion 1 of model")

    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    a = until(app_with_model, qtbot, aid, lambda a: a.value(Field.ARTIST) is None)
    assert a.value(Field.DATE) is None

    # 2 picks the second candidate of the focused field: here the artist, never the date.
    qtbot.waitUntil(
        lambda: (
            _shown_with_both(w, aid)
            and w.review.detail.pending_fields() == [Field.ARTIST, Field.DATE]
        ),
        timeout=WAIT,
    )  # the panel shows the undone asset again, both fields to decide
    w.review.set_focus(Field.ARTIST)
    cands = w.review.detail.candidates(Field.ARTIST)
    if len(cands) >= 2:
        key(qtbot, w, Qt.Key.Key_2)
        a = until(app_with_model, qtbot, aid, lambda a: a.value(Field.ARTIST))
        assert same_person(a.value(Field.ARTIST) or "", cands[1].value)
        assert a.value(Field.DATE) is None
        assert (a.fields[Field.ARTIST].origin or "").startswith("artist suggestion 2 ")
        history = call(app_with_model, qtbot, lambda s: s.history(aid))
        assert history[-1].origin == a.fields[Field.ARTIST].origin


def test_the_year_range_is_edited_before_accepting_and_export_says_so(
    app_with_model: Any, collection: Collection, qtbot: Any, tmp_path: Path
) -> None:
    w = app_with_model.window
    row = _rows_missing_both(w, collection)[0]
    w.collection.set_current_row(row)
    app_with_model.start()
    qtbot.waitUntil(lambda: _shown_with_both(w), timeout=WAIT)
    d = w.review.detail
    aid, date = d.asset.id, d.candidates(Field.DATE)[0]
    assert w.suggestions.range_row.isVisible()
    assert w.suggestions.date_range() == (date.year_from, date.year_to)
    key(qtbot, w, Qt.Key.Key_S)  # switch to the date
    assert w.review.focused() is Field.DATE
    lo = date.year_from + 1
    hi = max(lo, (date.year_to or lo) - 1)
    w.suggestions.year_from.setValue(lo)
    w.suggestions.year_to.setValue(hi)
    key(qtbot, w, Qt.Key.Key_A)
    a = until(app_with_model, qtbot, aid, lambda a: a.value(Field.DATE))
    fv = a.fields[Field.DATE]
    assert (fv.year_from, fv.year_to) == (lo, hi) and a.value(Field.ARTIST) is None
    assert fv.origin and "date suggestion 1 of model" in fv.origin
    assert f"range edited to {lo}–{hi}" in fv.origin
    (last,) = [h for h in call(app_with_model, qtbot, lambda s: s.history(aid))][-1:]
    assert last.field is Field.DATE and last.origin == fv.origin
    from heritage_desk.gui.dialogs import HistoryDialog

    dlg = HistoryDialog("t", [last], w)
    cells = [dlg.table.item(0, j).text() for j in range(dlg.table.columnCount())]
    assert fv.origin in cells
    dlg.close()

    out = tmp_path / "out.csv"
    call(app_with_model, qtbot, lambda s: s.export_csv(str(out), False, None, None))
    with open(out, newline="", encoding="utf-8") as f:
        rows = {r["image_file"]: r for r in csv.DictReader(f)}
    r = rows[a.image_path]
    assert r["date_accepted_from"] == fv.origin and r["artist_accepted_from"] == ""


def test_accept_both_takes_artist_and_date_and_moves_on(
    app_with_model: Any, collection: Collection, qtbot: Any
) -> None:
    w = app_with_model.window
    row = _rows_missing_both(w, collection)[0]
    w.collection.set_current_row(row)
    app_with_model.start()
    qtbot.waitUntil(lambda: _shown_with_both(w), timeout=WAIT)
    aid = w.review.detail.asset.id
    key(qtbot, w, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)
    a = until(app_with_model, qtbot, aid, lambda a: a.value(Field.ARTIST))
    assert a.value(Field.ARTIST) and a.value(Field.DATE)
    assert w.collection.current_row() == row + 1
    w.review.undo()
    a = until(app_with_model, qtbot, aid, lambda a: a.value(Field.ARTIST) is None)
    assert a.value(Field.DATE) is None
