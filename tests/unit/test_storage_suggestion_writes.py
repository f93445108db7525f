"""Bulk replace_suggestions_many: the same rows as one asset at a time, in a few statements."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import PREDICTED_FIELDS, Field, Suggestion
from heritage_desk.storage import suggestion_writes
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueError
from heritage_desk.storage.orm import AssetRow, SuggestionRow

N = 1_100  # three chunks of 500


@pytest.fixture
def cat(catalogue_url: str) -> Iterator[Catalogue]:
    c = Catalogue.open(catalogue_url)
    yield c
    c.close()


def _assets(cat: Catalogue, n: int) -> list[int]:
    with cat.session(write=True) as s:
        s.execute(
            sa.insert(AssetRow),
            [{"image_path": f"img/{i}.jpg", "checksum": f"{i:064x}"} for i in range(n)],
        )
    return cat.asset_ids()


def _sugs(field: Field, values: Sequence[str], version: str) -> list[Suggestion]:
    return [
        Suggestion(field, v, round(0.9 / r, 4), r, version, *((1800 + r, 1809 + r) * (r % 2)))
        for r, v in enumerate(values, start=1)
    ]


def _rows(cat: Catalogue) -> set[tuple[Any, ...]]:
    """Every suggestion row as it matters: all but id and created_at."""
    cols = [c for c in SuggestionRow.__table__.c if c.name not in ("id", "created_at")]
    with cat.session() as s:
        return {tuple(r) for r in s.execute(sa.select(*cols))}


def _one_at_a_time(
    s: Session, by_asset: Mapping[int, Sequence[Suggestion]], fields: Iterable[Field] | None
) -> None:
    """The per-asset ORM code replace_suggestions_many had before: the reference semantics."""
    field_list = list(fields) if fields is not None else None
    for asset_id, items in by_asset.items():
        wanted = (
            {f.value for f in field_list}
            if field_list is not None
            else {i.field.value for i in items}
        )
        cond = (SuggestionRow.asset_id == asset_id, SuggestionRow.field.in_(wanted))
        rejected = {
            (f, v)
            for f, v in s.execute(
                sa.select(SuggestionRow.field, SuggestionRow.value).where(
                    *cond, SuggestionRow.rejected.is_(True)
                )
            )
        }
        s.execute(sa.delete(SuggestionRow).where(*cond))
        s.add_all(
            SuggestionRow(
                asset_id=asset_id, field=i.field.value, rank=i.rank, value=i.value,
                probability=i.probability, year_from=i.year_from, year_to=i.year_to,
                model_version=i.model_version, rejected=(i.field.value, i.value) in rejected,
            )
            for i in items
        )  # fmt: skip


def _rounds(ids: list[int]) -> list[tuple[dict[int, list[Suggestion]], Any]]:
    """Recomputes of every kind: all fields, one field, per-asset fields, empty lists."""
    rng = random.Random(7)
    names = [f"Artist {i}" for i in range(12)]
    decades = [f"{d}s" for d in range(1800, 1900, 10)]
    out: list[tuple[dict[int, list[Suggestion]], Any]] = []
    for n, fields in enumerate([PREDICTED_FIELDS, None, [Field.ARTIST], None, PREDICTED_FIELDS]):
        by_asset: dict[int, list[Suggestion]] = {}
        for a in ids:
            items: list[Suggestion] = []
            if (fields is None or Field.ARTIST in fields) and rng.random() < 0.8:
                items += _sugs(Field.ARTIST, rng.sample(names, rng.randint(1, 5)), f"m{n}")
            if (fields is None and rng.random() < 0.5) or (fields and Field.DATE in fields):
                items += _sugs(Field.DATE, rng.sample(decades, rng.randint(0, 2)), f"m{n}")
            if rng.random() < 0.9:  # some assets are left out of a round altogether
                by_asset[a] = items
        out.append((by_asset, fields))
    return out


def _reject_some(cat: Catalogue, seed: int) -> None:
    rng = random.Random(seed)
    with cat.session(write=True) as s:
        ids = list(s.scalars(sa.select(SuggestionRow.id).where(SuggestionRow.rejected.is_(False))))
        pick = rng.sample(ids, len(ids) // 6)
        for start in range(0, len(pick), 500):
            s.execute(
                sa.update(SuggestionRow)
                .where(SuggestionRow.id.in_(pick[start : start + 500]))
                .values(rejected=True)
            )


def test_bulk_matches_one_asset_at_a_time(catalogue_url: str, tmp_path: Path) -> None:
    """The same rounds through the old per-asset code and the bulk code: the same rows."""
    ref_url = str(tmp_path / "reference.sqlite")
    with Catalogue.open(catalogue_url) as bulk, Catalogue.open(ref_url) as ref:
        ids = _assets(bulk, N)
        assert _assets(ref, N) == ids
        for n, (by_asset, fields) in enumerate(_rounds(ids)):
            bulk.replace_suggestions_many(by_asset, fields=fields)
            with ref.session(write=True) as s:
                _one_at_a_time(s, by_asset, fields)
            assert _rows(bulk) == _rows(ref), f"round {n}"
            # The curator rejects some values; the same rows in both (ids match by content).
            _reject_some(ref, n)
            rejected = {r for r in _rows(ref) if r[-1]}
            with bulk.session(write=True) as s:
                for a, f, rank, *_ in rejected:
                    s.execute(
                        sa.update(SuggestionRow)
                        .where(
                            SuggestionRow.asset_id == a,
                            SuggestionRow.field == f,
                            SuggestionRow.rank == rank,
                        )
                        .values(rejected=True)
                    )
            assert _rows(bulk) == _rows(ref)
        assert any(r[-1] for r in _rows(bulk))  # rejections were carried through the rounds


def test_rejected_stays_rejected_fields_restrict_and_versions(cat: Catalogue) -> None:
    ids = _assets(cat, 1_200)
    last = ids[-1]  # in the third chunk
    first = {a: _sugs(Field.ARTIST, ["Monet", "Renoir"], "m1") for a in ids}
    for a in ids:
        first[a] += _sugs(Field.DATE, ["1870s"], "m1")
    cat.replace_suggestions_many(first, fields=PREDICTED_FIELDS)
    cat.reject_suggestion(last, Field.ARTIST, "Monet", "ann")
    cat.reject_suggestion(ids[0], Field.DATE, "1870s", "ann")
    # Retrain: artists only; Monet moves to rank 2 and stays rejected; dates untouched.
    second = {a: _sugs(Field.ARTIST, ["Sisley", "Monet"], "m2") for a in ids}
    changes = cat.replace_suggestions_many(second, fields=[Field.ARTIST])
    assert changes.suggestions and changes.asset_ids == frozenset(ids)
    got = cat.suggestions(last, include_rejected=True)
    assert [(s.field, s.rank, s.value, s.model_version) for s in got] == [
        (Field.ARTIST, 1, "Sisley", "m2"), (Field.ARTIST, 2, "Monet", "m2"),
        (Field.DATE, 1, "1870s", "m1"),
    ]  # fmt: skip
    assert [s.value for s in cat.suggestions(last, Field.ARTIST)] == ["Sisley"]
    assert [s.value for s in cat.suggestions(ids[1], Field.ARTIST)] == ["Sisley", "Monet"]
    assert cat.suggestions(ids[0], Field.DATE) == []  # still rejected: not replaced
    # fields=None: each asset replaces only the fields of its own list.
    cat.replace_suggestions_many({ids[0]: _sugs(Field.DATE, ["1870s", "1880s"], "m3"), ids[1]: []})
    assert [s.value for s in cat.suggestions(ids[0], Field.DATE)] == ["1880s"]
    assert [s.value for s in cat.suggestions(ids[0], Field.ARTIST)] == ["Sisley", "Monet"]
    assert len(cat.suggestions(ids[1])) == 3  # an empty list names no field: nothing replaced
    # An empty list with fields: those fields are cleared.
    cat.replace_suggestions_many({ids[1]: []}, fields=PREDICTED_FIELDS)
    assert cat.suggestions(ids[1], include_rejected=True) == []


def test_a_failure_changes_nothing(cat: Catalogue) -> None:
    ids = _assets(cat, 600)
    cat.replace_suggestions_many({a: _sugs(Field.ARTIST, ["A"], "m1") for a in ids})
    before = _rows(cat)
    bad = {a: _sugs(Field.ARTIST, ["B"], "m2") for a in ids}
    bad[10**9] = _sugs(Field.ARTIST, ["B"], "m2")  # no such asset: the foreign key refuses
    with pytest.raises(CatalogueError):
        cat.replace_suggestions_many(bad)
    assert _rows(cat) == before


def test_inside_a_transaction_rows_read_before_are_not_stale(cat: Catalogue) -> None:
    ids = _assets(cat, 3)
    cat.replace_suggestions_many({a: _sugs(Field.ARTIST, ["A", "B"], "m1") for a in ids})
    with cat.transaction():
        assert [s.value for s in cat.suggestions(ids[2])] == ["A", "B"]
        cat.replace_suggestions_many({ids[2]: _sugs(Field.ARTIST, ["C", "D"], "m2")})
        got = cat.suggestions(ids[2])
    assert [(s.value, s.model_version) for s in got] == [("C", "m2"), ("D", "m2")]


def test_statements_per_chunk_not_per_asset(tmp_path: Path) -> None:
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        ids = _assets(cat, 1_200)
        by_asset = {a: _sugs(Field.ARTIST, ["A", "B", "C"], "m1") for a in ids}
        seen: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if "suggestions" in statement:
                seen.append(statement.split()[0].upper())

        sa.event.listen(cat._engine, "before_cursor_execute", count)
        try:
            cat.replace_suggestions_many(by_asset, fields=PREDICTED_FIELDS)
        finally:
            sa.event.remove(cat._engine, "before_cursor_execute", count)
        chunks = -(-len(ids) // suggestion_writes.CHUNK)
        assert sorted(seen) == sorted(["SELECT", "DELETE"] * chunks + ["INSERT"])
        assert len(_rows(cat)) == 3 * len(ids)


def test_a_suggestion_keeps_where_its_figures_were_measured(cat: Catalogue) -> None:
    """Migration 0009: the words beside each stored probability ("this catalogue (n=66)")."""
    ids = _assets(cat, 2)
    date = Suggestion(Field.DATE, "1860s", 0.91, 1, "m1", 1840, 1899, 1865, "this catalogue (n=66)")
    artist = Suggestion(Field.ARTIST, "Monet", 0.6, 1, "m1", figures="starter prior (n=2314)")
    cat.replace_suggestions_many({ids[0]: [artist, date], ids[1]: _sugs(Field.ARTIST, ["A"], "m")})
    assert cat.suggestions(ids[0]) == [artist, date]
    assert [s.figures for s in cat.suggestions(ids[1])] == [None]
