"""Review use cases over a real catalogue: accept, reject, pick, edit, undo/redo, batches."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from heritage_desk.core.model import Action, Changes, Field, Provenance, Suggestion
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.review import ReviewService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueError, ConflictError


def _sugs(*pairs: tuple[str, float], field: Field = Field.ARTIST) -> list[Suggestion]:
    return [Suggestion(field, v, p, r, "m1") for r, (v, p) in enumerate(pairs, start=1)]


@pytest.fixture
def cat(catalogue_url: str) -> Iterator[Catalogue]:
    c = Catalogue.open(catalogue_url)
    with c.transaction():
        for i in range(1, 5):
            c.add_asset(f"img/{i}.jpg", f"{i:064x}")
        c.replace_suggestions(1, _sugs(("Monet", 0.8), ("Renoir", 0.15), ("Sisley", 0.05)))
        c.replace_suggestions(2, _sugs(("Renoir", 0.95), ("Monet", 0.05)))
        c.replace_suggestions(3, _sugs(("Degas", 0.4), ("Monet", 0.3)))
        c.replace_suggestions(
            4, [Suggestion(Field.DATE, "1870s", 0.7, 1, "m1", year_from=1870, year_to=1879)]
        )
    yield c
    c.close()


@pytest.fixture
def review(cat: Catalogue) -> ReviewService:
    return ReviewService(cat)


def artist(cat: Catalogue, asset_id: int) -> str | None:
    return cat.get_asset(asset_id).value(Field.ARTIST)


def test_accept_records_provenance_and_decision(cat: Catalogue, review: ReviewService) -> None:
    s = cat.suggestions(1)[0]
    ch = review.accept(1, Field.ARTIST, s, "ann", expected_old=None)
    assert isinstance(ch, Changes) and ch.fields and ch.decisions and ch.asset_ids == {1}
    fv = cat.get_asset(1).fields[Field.ARTIST]
    assert (fv.value, fv.provenance, fv.model_version, fv.probability, fv.reviewer) == (
        "Monet", Provenance.SUGGESTION, "m1", 0.8, "ann",
    )  # fmt: skip
    (d,) = review.history(1)
    assert (d.action, d.old_value, d.new_value, d.model_version, d.probability) == (
        Action.ACCEPT, None, "Monet", "m1", 0.8,
    )  # fmt: skip
    with pytest.raises(ValueError):
        review.accept(4, Field.ARTIST, cat.suggestions(4)[0], "ann")


def test_reject_then_pick_and_undo_everything(cat: Catalogue, review: ReviewService) -> None:
    review.reject(1, Field.ARTIST, cat.suggestions(1)[0], "ann")
    assert [s.value for s in cat.suggestions(1)] == ["Renoir", "Sisley"]
    review.pick(1, Field.ARTIST, 2, "ann")  # candidate 2 of the open list
    assert artist(cat, 1) == "Sisley"
    with pytest.raises(CatalogueError, match="no candidate 5"):
        review.pick(1, Field.ARTIST, 5, "ann")
    review.undo("ann")
    assert artist(cat, 1) is None
    review.undo("ann")
    assert [s.value for s in cat.suggestions(1)] == ["Monet", "Renoir", "Sisley"]
    assert review.undo("ann") == Changes()  # nothing left
    review.redo("ann")
    assert [s.value for s in cat.suggestions(1)] == ["Renoir", "Sisley"]
    review.redo("ann")
    assert artist(cat, 1) == "Sisley"
    assert review.redo("ann") == Changes()
    actions = [d.action for d in review.history(1)]
    assert actions == [Action.REJECT, Action.ACCEPT, Action.UNDO, Action.UNDO, Action.REJECT,
                       Action.ACCEPT]  # fmt: skip


def test_edit_parses_dates_and_undo_restores_provenance(
    cat: Catalogue, review: ReviewService
) -> None:
    cat.set_field(4, Field.DATE, "1870s", Provenance.IMPORTED, year_from=1870, year_to=1879)
    before = cat.get_asset(4).fields[Field.DATE]
    review.edit(4, Field.DATE, "c. 1710", "bob", expected_old="1870s")
    fv = cat.get_asset(4).fields[Field.DATE]
    assert (fv.value, fv.provenance, fv.reviewer) == ("c. 1710", Provenance.CURATOR, "bob")
    assert fv.year_from is not None and fv.year_from <= 1710 <= (fv.year_to or 0)
    review.undo("bob")
    assert cat.get_asset(4).fields[Field.DATE] == before  # imported value, time and all
    review.edit(4, Field.DATE, "  ", "bob")
    assert cat.get_asset(4).value(Field.DATE) is None


def test_undo_is_per_reviewer_and_new_action_clears_redo(
    cat: Catalogue, review: ReviewService
) -> None:
    review.edit(1, Field.TITLE, "A", "ann")
    review.edit(2, Field.TITLE, "B", "bob")
    review.undo("ann")
    assert cat.get_asset(1).title is None and cat.get_asset(2).title == "B"
    review.edit(3, Field.TITLE, "C", "ann")
    assert review.redo("ann") == Changes()  # the new edit cleared ann's redo
    assert cat.get_asset(1).title is None
    review.undo("ann")  # the top of the undo stack is the edit of C
    assert cat.get_asset(3).title is None and cat.get_asset(2).title == "B"


def test_batch_accept_is_one_undoable_step(cat: Catalogue, review: ReviewService) -> None:
    q = AssetQuery(missing_artist=True).page(0, 1)  # paging of the view does not limit a batch
    assert review.preview_batch(q, 0.5) == 3  # assets 1, 2 (artist) and 4 (date)
    assert review.preview_batch(q, 0.5, fields=[Field.ARTIST]) == 2
    review.edit(3, Field.GENRE, "ballet", "ann")
    ch = review.batch_accept(q, 0.5, "ann")
    assert ch.asset_ids == {1, 2, 4}
    assert (artist(cat, 1), artist(cat, 2), artist(cat, 3)) == ("Monet", "Renoir", None)
    assert cat.get_asset(4).fields[Field.DATE].year_from == 1870
    assert review.preview_batch(q, 0.5) == 0
    review.undo("ann")  # the whole batch at once
    assert (artist(cat, 1), artist(cat, 2), cat.get_asset(4).value(Field.DATE)) == (None,) * 3
    assert cat.get_asset(3).value(Field.GENRE) == "ballet"  # the earlier step stays
    review.redo("ann")
    assert (artist(cat, 1), artist(cat, 2)) == ("Monet", "Renoir")
    assert review.batch_accept(q, 0.99, "ann") == Changes()


def test_decisions_are_append_only(cat: Catalogue, review: ReviewService) -> None:
    review.accept(1, Field.ARTIST, cat.suggestions(1)[0], "ann")
    first = review.history(1)
    review.undo("ann")
    review.redo("ann")
    later = review.history(1)
    assert later[: len(first)] == first  # nothing rewritten, only appended
    assert [d.id for d in later] == sorted(d.id for d in later)


def test_undo_refuses_to_overwrite_someone_elses_change(
    cat: Catalogue, review: ReviewService
) -> None:
    review.accept(1, Field.ARTIST, cat.suggestions(1)[0], "ann")
    review.edit(1, Field.ARTIST, "Berthe Morisot", "bob", expected_old="Monet")
    with pytest.raises(ConflictError, match="by bob"):
        review.undo("ann")
    assert artist(cat, 1) == "Berthe Morisot"


def test_two_curators_on_one_catalogue(catalogue_url: str) -> None:
    """Both saw asset 1 without an artist; the later decision gets a conflict, not a lost update."""
    with Catalogue.open(catalogue_url) as setup:
        setup.add_asset("img/1.jpg", "c" * 64)
        setup.replace_suggestions(1, _sugs(("Monet", 0.8), ("Renoir", 0.2)))
    ann_cat, bob_cat = Catalogue.open(catalogue_url), Catalogue.open(catalogue_url)
    try:
        ann, bob = ReviewService(ann_cat), ReviewService(bob_cat)
        seen_by_ann = ann_cat.get_asset(1).value(Field.ARTIST)
        seen_by_bob = bob_cat.get_asset(1).value(Field.ARTIST)
        monet, renoir = bob_cat.suggestions(1)
        ann.accept(1, Field.ARTIST, monet, "ann", expected_old=seen_by_ann)
        with pytest.raises(ConflictError) as info:
            bob.accept(1, Field.ARTIST, renoir, "bob", expected_old=seen_by_bob)
        msg = str(info.value)
        assert "'Monet' by ann" in msg and "asset #1" in msg and "artist" in msg
        assert bob_cat.get_asset(1).value(Field.ARTIST) == "Monet"
        assert [d.reviewer for d in bob_cat.history(1)] == ["ann"]
        # Editing what he now sees works.
        bob.edit(1, Field.ARTIST, "Renoir", "bob", expected_old="Monet")
        assert ann_cat.get_asset(1).value(Field.ARTIST) == "Renoir"
    finally:
        ann_cat.close()
        bob_cat.close()


@pytest.mark.postgres
def test_racing_inserts_on_postgres_become_a_conflict(postgres_url: str) -> None:
    """Another writer's uncommitted row: we wait for it, then conflict instead of overwriting."""
    with Catalogue.open(postgres_url) as cat:
        cat.add_asset("img/1.jpg", "c" * 64)
        engine = sa.create_engine(postgres_url)
        outcome: list[BaseException | None] = []

        def ours() -> None:
            try:
                cat.set_field(1, Field.ARTIST, "Renoir", Provenance.CURATOR, expected_old=None)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        with engine.connect() as conn:
            conn.execute(sa.text(
                "INSERT INTO field_values (asset_id, field, value, provenance, confirmed) "
                "VALUES (1, 'artist', 'Monet', 'curator', true)"
            ))  # fmt: skip
            worker = threading.Thread(target=ours)
            worker.start()
            worker.join(1.0)
            assert worker.is_alive()  # blocked on the unique key, not overwriting
            conn.commit()
        worker.join(30)
        engine.dispose()
        assert isinstance(outcome[0], ConflictError), outcome
        # Either the asset lock or the unique key made us wait; both end in a conflict.
        assert "'Monet'" in str(outcome[0]) or "at the same moment" in str(outcome[0])
        assert cat.get_asset(1).value(Field.ARTIST) == "Monet"
        assert cat.history(1) == []


def test_undo_of_a_step_touching_one_field_twice(cat: Catalogue) -> None:
    """Inside one step a field is set, changed and cleared; undo and redo replay it exactly."""
    cat.set_field(1, Field.TITLE, "A", Provenance.IMPORTED)
    with cat.transaction():
        for value in ("B", "C"):
            cat.set_field(1, Field.TITLE, value, Provenance.CURATOR, reviewer="ann",
                          action=Action.EDIT, batch_id="step1")  # fmt: skip
        cat.set_field(2, Field.TITLE, "new", Provenance.CURATOR, reviewer="ann",
                      action=Action.EDIT, batch_id="step1")  # fmt: skip
        cat.clear_field(2, Field.TITLE, reviewer="ann", action=Action.EDIT, batch_id="step1")
    assert (cat.get_asset(1).title, cat.get_asset(2).title) == ("C", None)
    cat.undo("ann")
    assert (cat.get_asset(1).title, cat.get_asset(2).title) == ("A", None)
    assert cat.get_asset(1).fields[Field.TITLE].provenance is Provenance.IMPORTED
    cat.redo("ann")
    assert (cat.get_asset(1).title, cat.get_asset(2).title) == ("C", None)
    assert cat.integrity_check() == []


def test_accept_and_reject_many_are_one_step(cat: Catalogue, review: ReviewService) -> None:
    cat.replace_suggestions(1, _sugs(("1880s", 0.6), field=Field.DATE), fields=[Field.DATE])
    picks = [cat.suggestions(1, Field.ARTIST)[0], cat.suggestions(1, Field.DATE)[0]]
    review.accept_many(1, picks, "ann")
    assert (artist(cat, 1), cat.get_asset(1).value(Field.DATE)) == ("Monet", "1880s")
    review.reject_many(2, cat.suggestions(2), "ann")
    assert cat.suggestions(2) == []
    review.undo("ann")
    assert len(cat.suggestions(2)) == 2
    review.undo("ann")
    assert cat.get_asset(1).fields == {}
    with pytest.raises(ValueError):
        review.accept_many(3, cat.suggestions(3), "ann")
