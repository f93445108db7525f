"""Background suggestions finish visibly, and undo brings back the suggestions it should (issue 12).

A real window on the real test catalogue with the real tiny lite0 model of the fixture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from heritage_desk.core.model import Field
from tests.gui.conftest import WAIT, Collection, call

pytestmark = pytest.mark.gui


def test_the_progress_bar_goes_away_when_the_asset_on_screen_was_suggested_first(
    app_with_model: Any, qtbot: Any
) -> None:
    w = app_with_model.window
    w.collection.set_current_row(0)  # this asset (and the next ones) go the urgent way
    app_with_model.start()
    qtbot.waitUntil(lambda: app_with_model.background_started, timeout=WAIT)
    qtbot.waitUntil(app_with_model.background_done, timeout=WAIT)
    qtbot.wait(100)  # the last progress signal is queued
    assert not w.job_bar.isVisible(), f"status bar still shows {w.job_bar.text()!r}"
    assert not w.job_cancel.isVisible()


def _artists(d: Any) -> list[tuple[str, float]]:
    return [(s.value, round(s.probability, 4)) for s in d.candidates(Field.ARTIST)]


def test_undoing_a_known_field_edit_brings_back_the_suggestions_without_it(
    app_with_model: Any, collection: Collection, qtbot: Any
) -> None:
    w = app_with_model.window
    both = collection.hidden_artist & collection.hidden_date
    row = next(i for i in range(14) if Path(w.model.row_data(i).asset.image_path).name in both)
    w.collection.set_current_row(row)
    app_with_model.start()

    def shown(pred: Any) -> bool:
        d = w.review.detail
        return d is not None and w.suggestions.detail is d and bool(pred(d))

    qtbot.waitUntil(
        lambda: shown(lambda d: d.candidates(Field.ARTIST) and d.candidates(Field.DATE)),
        timeout=WAIT,
    )
    first = w.review.detail
    aid, before = first.asset.id, _artists(first)
    with qtbot.waitSignal(app_with_model.executor.changes, timeout=WAIT):
        w.review.edit(Field.DATE, "1660")
    # The artist suggestions are made again with the date known.
    qtbot.waitUntil(
        lambda: shown(
            lambda d: (
                d.asset.id == aid
                and d.asset.value(Field.DATE) == "1660"
                and not d.candidates(Field.DATE)
                and d.candidates(Field.ARTIST)
                and _artists(d) != before
            )
        ),
        timeout=WAIT,
    )
    w.review.undo()
    # Undone: the date is unknown again, so a date is suggested, and the artists are those
    # made without a date, as before the edit.
    qtbot.waitUntil(
        lambda: shown(
            lambda d: (
                d.asset.id == aid
                and d.asset.value(Field.DATE) is None
                and d.candidates(Field.DATE)
                and _artists(d) == before
            )
        ),
        timeout=WAIT,
    )
    stored = call(app_with_model, qtbot, lambda s: s.detail(aid))
    assert _artists(stored) == before and stored.candidates(Field.DATE)
