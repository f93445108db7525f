"""Replacing many assets' suggestions in bulk: a few statements per 500 assets, not per asset."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import Field, Suggestion
from heritage_desk.storage.orm import SuggestionRow, utcnow

#: Assets per SELECT/DELETE: 500 ids plus a few fields stay under SQLite's 999 bound parameters.
CHUNK = 500
_TABLE = SuggestionRow.metadata.tables[SuggestionRow.__tablename__]


def replace_many(
    s: Session, by_asset: Mapping[int, Sequence[Suggestion]], fields: Iterable[Field] | None
) -> None:
    """Replace each asset's suggestions for `fields` (None: the fields in its own suggestions).

    A value the curator rejected stays rejected when the model proposes it again. Suggestions
    of fields outside `fields` are inserted as given (as one asset at a time always did).
    """
    fixed = tuple(sorted({f.value for f in fields})) if fields is not None else None
    # Assets whose replaced fields are the same go together (with `fields`, all of them).
    groups: dict[tuple[str, ...], list[int]] = {}
    for asset_id, items in by_asset.items():
        wanted = fixed if fixed is not None else tuple(sorted({i.field.value for i in items}))
        groups.setdefault(wanted, []).append(asset_id)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for wanted, ids in groups.items():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rejected = _clear(s, chunk, wanted)
            rows += [
                {
                    "asset_id": asset_id,
                    "field": i.field.value,
                    "rank": i.rank,
                    "value": i.value,
                    "probability": i.probability,
                    "year_from": i.year_from,
                    "year_to": i.year_to,
                    "year_estimate": i.year_estimate,
                    "figures": i.figures,
                    "model_version": i.model_version,
                    "created_at": now,
                    "rejected": (asset_id, i.field.value, i.value) in rejected,
                }
                for asset_id in chunk
                for i in by_asset[asset_id]
            ]
    if rows:
        # One executemany for all of them, on the table: the ORM's bulk insert starts a new
        # batch whenever the columns holding None change (artist rows have no years, dates
        # do) unless told render_nulls, and its per-row bookkeeping costs a fifth more.
        s.flush()  # a Core statement does not autoflush: objects added earlier go in first
        s.execute(sa.insert(_TABLE), rows)


def _clear(s: Session, ids: Sequence[int], fields: Sequence[str]) -> set[tuple[int, str, str]]:
    """Delete the suggestions of `fields` of `ids`; returns the (asset, field, value) rejected."""
    if not fields:
        return set()
    cond = (SuggestionRow.asset_id.in_(ids), SuggestionRow.field.in_(fields))
    found = s.execute(
        sa.select(SuggestionRow.asset_id, SuggestionRow.field, SuggestionRow.value).where(
            *cond, SuggestionRow.rejected.is_(True)
        )
    )
    rejected = {(int(a), str(f), str(v)) for a, f, v in found}
    # Default synchronize_session: rows loaded earlier in an enclosing transaction() leave the
    # identity map, so a reused id never comes back as a stale object.
    s.execute(sa.delete(SuggestionRow).where(*cond))
    return rejected
