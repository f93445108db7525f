"""One name per artist (issue 12): the candidate list, an accepted value and the export write a
person the catalogue already knows the way its own records write them, never the model's
spelling. The real window, catalogue of AIC paintings and tiny lite0 model of the fixtures."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from heritage_desk.core.model import Field
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken
from tests.gui.conftest import WAIT, Collection, call

pytestmark = pytest.mark.gui


def _hidden_rows(w: Any, collection: Collection) -> list[int]:
    return [
        i
        for i in range(w.model.rowCount())
        if Path(w.model.row_data(i).asset.image_path).name in collection.hidden_artist
    ]


def _person(value: str) -> str:
    return value.removeprefix("attributed to ")


def test_candidates_accepts_and_export_use_the_catalogues_spelling(
    app_after_background_pass: Any, collection: Collection, qtbot: Any, tmp_path: Path
) -> None:
    app = app_after_background_pass
    w = app.window
    written = call(app, qtbot, lambda d: d.vocabulary([Field.ARTIST])[Field.ARTIST])
    spelling = {parse_artist(v).key: v for v in written}  # the records: "X (French, 1834–1917)"
    # Every hidden asset's candidates name a person the catalogue knows as its records do.
    seen = []
    for row in _hidden_rows(w, collection):
        aid = w.model.row_data(row).asset.id
        detail = call(app, qtbot, lambda d, aid=aid: d.detail(aid))
        for s in detail.candidates(Field.ARTIST):
            key = parse_artist(s.value).key
            if key in spelling:
                assert _person(s.value) == spelling[key], (s.value, spelling[key])
                seen.append((aid, s))
    # The test model spells its artists "Edgar Degas"; the catalogue "Edgar Degas (French, ...)".
    detailed = [(aid, s) for aid, s in seen if _person(s.value) != parse_artist(s.value).name]
    assert detailed, f"no candidate names a person the catalogue writes with details: {seen}"
    # The panel shows it so, and accepting writes it so.
    aid, s = detailed[0]
    w.collection.set_current_row(w.model.row_of(aid) or 0)
    qtbot.waitUntil(
        lambda: w.review.detail is not None and w.review.detail.asset.id == aid, timeout=WAIT
    )
    qtbot.waitUntil(lambda: bool(w.suggestions.shown_artists()), timeout=WAIT)
    assert any(_person(s.value) in t for t in w.suggestions.shown_artists())
    with qtbot.waitSignal(w.review.decided, timeout=WAIT):
        w.review.pick(s.rank)
    accepted = call(app, qtbot, lambda d: d.detail(aid).asset.value(Field.ARTIST))
    assert accepted == s.value
    out = tmp_path / "export.csv"
    call(app, qtbot, lambda d: d.export_csv(str(out), False, lambda _p: None, CancelToken()))
    key = parse_artist(s.value).key
    with open(out, newline="", encoding="utf-8") as f:
        names = {
            _person(r["artist"]) for r in csv.DictReader(f) if parse_artist(r["artist"]).key == key
        }
    assert names == {spelling[key]}
