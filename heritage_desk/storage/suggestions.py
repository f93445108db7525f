"""The suggestions repository: the model's candidates per asset and field, rejected or open."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from heritage_desk.core.model import (
    PREDICTED_FIELDS,
    UNKNOWN_ARTIST,
    Action,
    Changes,
    Field,
    FieldValue,
    Provenance,
    Suggestion,
)
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage import accept_origin, asset_query, convert, fieldops, suggestion_writes
from heritage_desk.storage.base import Repository
from heritage_desk.storage.fieldops import Act
from heritage_desk.storage.orm import AssetRow, FieldValueRow, SuggestionRow


class SuggestionRepository(Repository):
    """Suggestion rows: replaced by inference, rejected or accepted by curators."""

    def replace_suggestions(
        self,
        asset_id: int,
        suggestions: Sequence[Suggestion],
        *,
        fields: Iterable[Field] | None = None,
    ) -> Changes:
        """Replace an asset's suggestions for `fields` (default: the fields in `suggestions`)."""
        return self.replace_suggestions_many({asset_id: suggestions}, fields=fields)

    def replace_suggestions_many(
        self, by_asset: Mapping[int, Sequence[Suggestion]], *, fields: Iterable[Field] | None = None
    ) -> Changes:
        """replace_suggestions for many assets in one transaction."""
        with self._scope.session(write=True) as s:
            suggestion_writes.replace_many(s, by_asset, fields)
        return Changes(suggestions=True, asset_ids=frozenset(by_asset))

    def suggestions(
        self, asset_id: int, field: Field | None = None, *, include_rejected: bool = False
    ) -> list[Suggestion]:
        """An asset's open suggestions by field and rank."""
        return self.suggestions_many([asset_id], field, include_rejected=include_rejected).get(
            asset_id, []
        )

    def suggestions_many(
        self,
        asset_ids: Sequence[int],
        field: Field | None = None,
        *,
        include_rejected: bool = False,
    ) -> dict[int, list[Suggestion]]:
        """Open suggestions of many assets, keyed by asset id."""
        out: dict[int, list[Suggestion]] = {i: [] for i in asset_ids}
        with self._scope.session() as s:
            for start in range(0, len(asset_ids), 500):
                stmt = sa.select(SuggestionRow).where(
                    SuggestionRow.asset_id.in_(asset_ids[start : start + 500])
                )
                if field is not None:
                    stmt = stmt.where(SuggestionRow.field == field.value)
                if not include_rejected:
                    stmt = stmt.where(SuggestionRow.rejected.is_(False))
                for row in s.scalars(stmt.order_by(SuggestionRow.field, SuggestionRow.rank)):
                    out[row.asset_id].append(convert.suggestion(row))
        return out

    def reject_suggestion(
        self, asset_id: int, field: Field, value: str, reviewer: str, *, batch_id: str | None = None
    ) -> Changes:
        """Mark a suggested value rejected and record the REJECT decision (new_value = it)."""
        return self._close(asset_id, field, value, reviewer, Action.REJECT, batch_id)

    def accept_unknown_painter(
        self, asset_id: int, field: Field, reviewer: str, *, batch_id: str | None = None
    ) -> Changes:
        """Accept "none of the painters I know": no value is written (the field stays empty),
        the candidate is closed like a rejected one, and an ACCEPT decision of it records why
        (the export's provenance of the empty field; undo reopens it as it reopens a reject)."""
        return self._close(asset_id, field, UNKNOWN_ARTIST, reviewer, Action.ACCEPT, batch_id)

    def _close(self, asset_id: int, field: Field, value: str, reviewer: str, action: Action,
               batch_id: str | None) -> Changes:  # fmt: skip
        """Close an open suggestion without writing a value, recording `action` (see undo)."""
        act = Act(action=action, reviewer=reviewer, batch_id=batch_id, new_value=value)
        with self._scope.session(write=True) as s:
            prob = s.scalar(
                sa.select(SuggestionRow.probability).where(
                    SuggestionRow.asset_id == asset_id,
                    SuggestionRow.field == field.value,
                    SuggestionRow.value == value,
                )
            )
            model = s.scalar(
                sa.select(SuggestionRow.model_version).where(
                    SuggestionRow.asset_id == asset_id, SuggestionRow.field == field.value
                )
            )
            fieldops.set_rejected(s, asset_id, field, value, True)
            fieldops.record(
                s, self._scope.location, asset_id, field,
                replace(act, probability=prob, model_version=model),
            )  # fmt: skip
        return Changes(suggestions=True, decisions=True, asset_ids=frozenset({asset_id}))

    def _top(self, q: AssetQuery, min_probability: float, fields: Iterable[Field]) -> Any:
        """Each matching asset's best open suggestion per unknown field, at or above a bar."""
        s2 = sa.orm.aliased(SuggestionRow)
        best_rank = (
            sa.select(sa.func.min(s2.rank))
            .where(
                s2.asset_id == SuggestionRow.asset_id,
                s2.field == SuggestionRow.field,
                s2.rejected.is_(False),
            )
            .scalar_subquery()
        )
        # needs_value, for the suggestion's own field rather than a fixed one.
        known = sa.exists().where(
            FieldValueRow.asset_id == SuggestionRow.asset_id,
            FieldValueRow.field == SuggestionRow.field,
        )
        matching = sa.select(AssetRow.id).where(*asset_query.where_clauses(q))
        return sa.select(SuggestionRow).where(
            SuggestionRow.field.in_([f.value for f in fields]),
            SuggestionRow.rejected.is_(False),
            SuggestionRow.probability >= min_probability,
            SuggestionRow.rank == best_rank,
            ~known,
            SuggestionRow.asset_id.in_(matching),
        )

    def top_suggestions(
        self, q: AssetQuery, min_probability: float, fields: Iterable[Field] = PREDICTED_FIELDS
    ) -> list[tuple[int, Suggestion]]:
        """(asset id, best open suggestion) for unknown fields of the assets matching `q`."""
        stmt = self._top(q, min_probability, fields).order_by(SuggestionRow.asset_id)
        with self._scope.session() as s:
            return [(r.asset_id, convert.suggestion(r)) for r in s.scalars(stmt)]

    def count_top_suggestions(
        self, q: AssetQuery, min_probability: float, fields: Iterable[Field] = PREDICTED_FIELDS
    ) -> int:
        """How many values top_suggestions would fill (a batch accept's preview)."""
        sub = self._top(q, min_probability, fields).subquery()
        with self._scope.session() as s:
            return int(s.scalar(sa.select(sa.func.count()).select_from(sub)) or 0)

    def accept_suggestions(
        self, items: Sequence[tuple[int, Suggestion]], reviewer: str, *, batch_id: str | None = None
    ) -> Changes:
        """Accept many suggestions in one transaction as one undoable step.

        A date may come with the range the curator narrowed (its years differ from the stored
        suggestion's); each value records which suggestion it came from, and an artist is
        written the way this catalogue writes that artist.
        """
        batch = batch_id or fieldops.new_batch_id()
        changes = []
        with self._scope.session(write=True) as s:
            for asset_id, sug in items:
                value = sug.value
                if sug.field is Field.ARTIST:
                    value = accept_origin.canonical_artist(s, sug.value)
                new = FieldValue(
                    sug.field, value, Provenance.SUGGESTION, year_from=sug.year_from,
                    year_to=sug.year_to, model_version=sug.model_version,
                    probability=sug.probability, reviewer=reviewer,
                    origin=accept_origin.origin_text(s, asset_id, sug),
                )  # fmt: skip
                act = Act(
                    action=Action.ACCEPT, reviewer=reviewer, batch_id=batch,
                    model_version=sug.model_version, probability=sug.probability,
                    expected_old=None,
                )  # fmt: skip
                changes.append(fieldops.Change(asset_id, sug.field, new, act))
            fieldops.apply_many(s, self._scope.location, changes)
        ids = frozenset(a for a, _ in items)
        return Changes(fields=True, decisions=True, asset_ids=ids)
