"""A flag for an expert made by another curator reaches an open window (issues 12 and 15).

A real window on a real PostgreSQL catalogue holding the test collection of AIC paintings; a
second curator flags a work with a note through the review service on their own connection,
as their app would, then takes the flag off. The window follows both without a restart: the
row wears the flagged badge, the form and the history show the note, the Flagged filter lists
the work, and once the flag is removed elsewhere all of that goes away.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from heritage_desk.core.model import Action, Field
from heritage_desk.core.review_state import ReviewState, review_state
from heritage_desk.services.review import ReviewService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
from tests.gui.conftest import N_ASSETS, WAIT, Collection, call, open_desk

pytestmark = [pytest.mark.gui, pytest.mark.postgres]

NOTE = "Signature reads 'Sisley'? Ask the paintings department"
#: The window polls every 3 s (gui.team_follow.POLL_MS); a loaded machine gets some slack.
FOLLOW = 20_000


def _elsewhere(url: str, act: Any) -> None:
    """`act(review)` as another curator's app: its own connection, its own review service."""
    other = Catalogue.open(url)
    try:
        act(ReviewService(other))
    finally:
        other.close()


def _flag_of(w: Any, aid: int) -> Any:
    i = w.model.row_of(aid)
    row = w.model.row_data(i, fetch=False) if i is not None else None
    return None if row is None else row.asset.fields.get(Field.FLAG)


def test_a_flag_and_its_removal_made_elsewhere_reach_an_open_window(
    collection: Collection, postgres_url: str, tmp_path: Path, qtbot: Any, isolated_settings: None
) -> None:
    with Catalogue.open(postgres_url) as cat:
        report = import_collection(
            cat, collection.images, collection.catalogue.parent / "metadata.csv"
        )
        assert report.added == N_ASSETS, report.lines()
    app: Any = open_desk(postgres_url, tmp_path, collection.images)  # type: ignore[arg-type]
    try:
        w = app.window
        w.show()
        qtbot.waitUntil(lambda: w.model.rowCount() == N_ASSETS, timeout=WAIT)
        w.collection.set_current_row(2)
        qtbot.waitUntil(lambda: w.review.detail is not None, timeout=WAIT)
        aid = w.review.current_id
        assert _flag_of(w, aid) is None and w.form.flag.isHidden()
        # The window's watch has taken note of where the catalogue stands (a first poll only
        # does that): what follows is news to it.
        call(app, qtbot, lambda d: d.team_changes())

        _elsewhere(postgres_url, lambda r: r.flag(aid, NOTE, "bob"))
        qtbot.waitUntil(lambda: _flag_of(w, aid) is not None, timeout=FOLLOW)
        flag = _flag_of(w, aid)
        assert (flag.value, flag.reviewer) == (NOTE, "bob")
        row = w.model.row_data(w.model.row_of(aid), fetch=False)
        assert review_state(row) is ReviewState.FLAGGED  # the badge the row wears
        # The work on screen shows the note in the form, and its history names the flag.
        qtbot.waitUntil(lambda: NOTE in w.form.flag.text(), timeout=WAIT)
        assert "bob" in w.form.flag.text() and w.form.flag.isVisibleTo(w.form)
        got: list[Any] = []
        w.review.history(got.append)
        qtbot.waitUntil(lambda: bool(got), timeout=WAIT)
        assert [(d.action, d.new_value, d.reviewer) for d in got[0] if d.field is Field.FLAG] == [
            (Action.FLAG, NOTE, "bob")
        ]
        # The Flagged filter lists it, alone.
        with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
            w.collection.filters.flagged.setChecked(True)
        assert w.model.rowCount() == 1 and w.model.row_data(0).asset.id == aid

        _elsewhere(postgres_url, lambda r: r.unflag(aid, "bob"))
        # The row stays where the curator saw it (a filter is not re-run under her), unflagged.
        qtbot.waitUntil(lambda: Field.FLAG not in w.model.row_data(0).asset.fields, timeout=FOLLOW)
        assert review_state(w.model.row_data(0)) is not ReviewState.FLAGGED
        qtbot.waitUntil(lambda: w.form.flag.isHidden(), timeout=WAIT)
        with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
            w.collection.filters.flagged.setChecked(False)
        assert w.model.rowCount() == N_ASSETS
        with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
            w.collection.filters.flagged.setChecked(True)
        assert w.model.rowCount() == 0
    finally:
        app.close()
