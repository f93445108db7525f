"""Possible mistakes in the catalogue: how much the model believes each recorded artist.

The background pass judges every work whose recorded painter the model knows and writes one row
per work here; a row holds only while the artist field still reads what was judged (see
`current_doubt`), so an edit or an accept retires it without a write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from heritage_desk.core.model import Doubt, Field
from heritage_desk.storage.base import Repository
from heritage_desk.storage.orm import AssetRow, DoubtRow, FieldValueRow, utcnow

#: Assets per DELETE: under SQLite's 999 bound parameters.
_CHUNK = 500


def current_doubt() -> Any:
    """The correlated condition: the doubt row of AssetRow judged the artist it still has."""
    fv = aliased(FieldValueRow)
    return sa.and_(
        DoubtRow.asset_id == AssetRow.id,
        sa.exists().where(
            fv.asset_id == DoubtRow.asset_id,
            fv.field == Field.ARTIST.value,
            fv.value == DoubtRow.recorded,
        ),
    )


def _doubt(row: DoubtRow, image_path: str) -> Doubt:
    return Doubt(
        row.asset_id, image_path, row.recorded, row.recorded_probability, row.alternative,
        row.alternative_probability, row.model_version,
    )  # fmt: skip


class DoubtRepository(Repository):
    """Doubt rows: replaced per background batch, read by the review panel and the filters."""

    def record_doubts(self, judged: Iterable[int], doubts: Sequence[Doubt]) -> None:
        """The doubts of the `judged` assets become `doubts` (an asset judged but absent from
        them, e.g. its painter left the model's vocabulary, loses its old row)."""
        ids = sorted(set(judged) | {d.asset_id for d in doubts})
        if not ids:
            return
        now = utcnow()
        with self._scope.session(write=True) as s:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                s.execute(sa.delete(DoubtRow).where(DoubtRow.asset_id.in_(chunk)))
            # Doubt's fields are the row's columns, but for the path (the asset's own).
            rows = [{**asdict(d), "judged_at": now} for d in doubts]
            for r in rows:
                del r["image_path"]
            if rows:
                s.execute(sa.insert(DoubtRow), rows)

    def doubt(self, asset_id: int) -> Doubt | None:
        """The model's doubt about the asset's recorded artist, if it still holds."""
        with self._scope.session() as s:
            found = s.execute(
                sa.select(DoubtRow, AssetRow.image_path).where(
                    AssetRow.id == asset_id, current_doubt()
                )
            ).first()
            return _doubt(found[0], found[1]) if found else None
