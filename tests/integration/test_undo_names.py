"""Undo steps in words on real SQLite and PostgreSQL catalogues: what Ctrl+Z would reverse,
what it reversed, the redo side, a batch as one step, and undoing down to a chosen step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heritage_desk.core.model import Field, Provenance, Suggestion
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.review import ReviewService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueError


@pytest.fixture
def cat(catalogue_url: str) -> Iterator[Catalogue]:
    c = Catalogue.open(catalogue_url)
    for n in range(1, 4):
        a = c.add_asset(f"img/{n}.jpg", f"{n:064x}")
        c.set_field(a, Field.TITLE, f"Work {n}", Provenance.IMPORTED)
        artist = Suggestion(Field.ARTIST, "Claude Monet", 0.8, 1, "m-1")
        c.replace_suggestions(
            a, [artist, Suggestion(Field.DATE, "1870s", 0.7, 1, "m-1", 1870, 1879)]
        )
    yield c
    c.close()


def _labels(review: ReviewService, depth: int = 10) -> tuple[list[str], list[str]]:
    st = review.undo_state("ana", depth)
    return [s.label for s in st.undo], [s.label for s in st.redo]


def test_steps_are_named_undone_by_name_and_undone_down_to_a_step(cat: Catalogue) -> None:
    review = ReviewService(cat)
    monet, date = cat.suggestions(1)
    review.accept_many(1, [monet, date], "ana")
    review.edit(2, Field.DATE, "c. 1890", "ana")
    review.flag(3, "ask", "ana")
    review.batch_accept(AssetQuery(), 0.5, "ana")
    undo, redo = _labels(review)
    assert (
        undo
        == [
            "batch accept of 3 values",
            "flag for an expert",
            "set date to c. 1890",
            "accept Claude Monet and 1870s",
        ]
        and redo == []
    )
    # The cheap top (after a new decision) is the same as the replayed one.
    assert review.undo_state("ana", 1, redo=False).undo[0].label == undo[0]
    done = review.reverse("ana")
    assert done.step is not None and done.step.label == "batch accept of 3 values"
    assert [s.label for s in done.state.redo] == ["batch accept of 3 values"]
    assert done.state.undo[0].label == "flag for an expert"
    top = review.undo_state("ana", 10).undo
    assert top[0].title == "Work 3" and top[-1].asset_ids == (1,)
    # Down to the accept: three steps undone, each redoable on its own, newest first.
    done = review.undo_to("ana", top[-1].step)
    assert done.step is not None and done.step.label == "accept Claude Monet and 1870s"
    assert (
        cat.get_asset(1).value(Field.ARTIST) is None and Field.FLAG not in cat.get_asset(3).fields
    )
    assert _labels(review) == ([], [
        "accept Claude Monet and 1870s", "set date to c. 1890", "flag for an expert",
        "batch accept of 3 values",
    ])  # fmt: skip
    redone = review.reverse("ana", redo=True)
    assert redone.step is not None and redone.step.label == "accept Claude Monet and 1870s"
    assert _labels(review)[0] == ["accept Claude Monet and 1870s"]
    with pytest.raises(CatalogueError, match="no longer on ana's undo stack"):
        review.undo_to("ana", "no-such-step")
    assert review.reverse("bob").step is None  # another reviewer has nothing to undo
