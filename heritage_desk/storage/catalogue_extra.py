"""Catalogue parts beyond assets and fields: suggestions, decisions, undo, models, stats."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import (
    PREDICTED_FIELDS,
    Action,
    Changes,
    Decision,
    Field,
    ModelVersion,
    Provenance,
    Suggestion,
)
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage import asset_query, convert, fieldops, suggestion_writes, undo
from heritage_desk.storage.base import CatalogueBase
from heritage_desk.storage.errors import CatalogueError
from heritage_desk.storage.fieldops import Act
from heritage_desk.storage.orm import (
    AssetRow,
    DecisionRow,
    FieldValueRow,
    ModelVersionRow,
    SuggestionRow,
    utcnow,
)


class CatalogueExtras(CatalogueBase):
    """Suggestions, the decision log with undo/redo, model versions and stats."""

    # -- suggestions --------------------------------------------------------------------------

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
        with self._session(write=True) as s:
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
        with self._session() as s:
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
        act = Act(action=Action.REJECT, reviewer=reviewer, batch_id=batch_id, new_value=value)
        with self._session(write=True) as s:
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
                s, self.location, asset_id, field,
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
        with self._session() as s:
            return [(r.asset_id, convert.suggestion(r)) for r in s.scalars(stmt)]

    def count_top_suggestions(
        self, q: AssetQuery, min_probability: float, fields: Iterable[Field] = PREDICTED_FIELDS
    ) -> int:
        """How many values top_suggestions would fill (a batch accept's preview)."""
        sub = self._top(q, min_probability, fields).subquery()
        with self._session() as s:
            return int(s.scalar(sa.select(sa.func.count()).select_from(sub)) or 0)

    def accept_suggestions(
        self, items: Sequence[tuple[int, Suggestion]], reviewer: str, *, batch_id: str | None = None
    ) -> Changes:
        """Accept many suggestions in one transaction as one undoable step."""
        batch = batch_id or fieldops.new_batch_id()
        changes = []
        for asset_id, sug in items:
            new = fieldops.make_state(
                sug.value, Provenance.SUGGESTION, year_from=sug.year_from,
                year_to=sug.year_to, model_version=sug.model_version,
                probability=sug.probability, reviewer=reviewer,
            )  # fmt: skip
            act = Act(
                action=Action.ACCEPT, reviewer=reviewer, batch_id=batch,
                model_version=sug.model_version, probability=sug.probability,
                expected_old=None,
            )  # fmt: skip
            changes.append(fieldops.Change(asset_id, sug.field, new, act))
        with self._session(write=True) as s:
            fieldops.apply_many(s, self.location, changes)
        ids = frozenset(a for a, _ in items)
        return Changes(fields=True, decisions=True, asset_ids=ids)

    # -- decisions ----------------------------------------------------------------------------

    def record_decision(
        self,
        asset_id: int,
        field: Field,
        action: Action,
        reviewer: str,
        *,
        new_value: str | None = None,
        model_version: str | None = None,
        probability: float | None = None,
        batch_id: str | None = None,
        at: datetime | None = None,
    ) -> Decision:
        """Append a decision that changes no value (old_value is the field's current value)."""
        act = Act(
            action=action, reviewer=reviewer, batch_id=batch_id, model_version=model_version,
            probability=probability, at=at, new_value=new_value,
        )  # fmt: skip
        with self._session(write=True) as s:
            return convert.decision(fieldops.record(s, self.location, asset_id, field, act))

    def history(self, asset_id: int, field: Field | None = None) -> list[Decision]:
        """Every decision about an asset, oldest first."""
        stmt = sa.select(DecisionRow).where(DecisionRow.asset_id == asset_id)
        if field is not None:
            stmt = stmt.where(DecisionRow.field == field.value)
        with self._session() as s:
            return [convert.decision(r) for r in s.scalars(stmt.order_by(DecisionRow.id))]

    def last_decisions(
        self, limit: int = 50, *, reviewer: str | None = None, asset_id: int | None = None
    ) -> list[Decision]:
        """The latest decisions, newest first."""
        stmt = sa.select(DecisionRow)
        if reviewer is not None:
            stmt = stmt.where(DecisionRow.reviewer == reviewer)
        if asset_id is not None:
            stmt = stmt.where(DecisionRow.asset_id == asset_id)
        with self._session() as s:
            rows = s.scalars(stmt.order_by(DecisionRow.id.desc()).limit(limit))
            return [convert.decision(r) for r in rows]

    @staticmethod
    def _top_step(s: Session, reviewer: str, redo: bool) -> str | None:
        if not redo:  # one indexed query: cheap enough to run after every decision
            return undo.top_undo_step(s, reviewer)
        stack = undo.stacks(s, reviewer)[1]
        return stack[-1] if stack else None

    def _step_head(self, reviewer: str, redo: bool) -> Decision | None:
        with self._session() as s:
            step = self._top_step(s, reviewer, redo)
            if step is None:
                return None
            return convert.decision(undo.first_decision(s, step))

    def next_undo(self, reviewer: str) -> Decision | None:
        """The (first) decision that undo would reverse, for a menu label; None: nothing."""
        return self._step_head(reviewer, redo=False)

    def next_redo(self, reviewer: str) -> Decision | None:
        """The undo decision that redo would reverse; None: nothing to redo."""
        return self._step_head(reviewer, redo=True)

    def _reverse_top(self, reviewer: str, redo: bool) -> Changes:
        with self._session(write=True) as s:
            step = self._top_step(s, reviewer, redo)
            if step is None:
                return Changes()
            touched = undo.reverse_step(s, self.location, step, reviewer)
        return Changes(fields=True, suggestions=True, decisions=True, asset_ids=frozenset(touched))

    def undo(self, reviewer: str) -> Changes:
        """Reverse the reviewer's latest step (a batch counts as one); an empty Changes: none."""
        return self._reverse_top(reviewer, redo=False)

    def redo(self, reviewer: str) -> Changes:
        """Reverse the reviewer's latest undo."""
        return self._reverse_top(reviewer, redo=True)

    # -- model versions -----------------------------------------------------------------------

    def add_model_version(
        self,
        version: str,
        path: str,
        *,
        metrics: Mapping[str, float] | None = None,
        note: str = "",
        active: bool = False,
        created_at: datetime | None = None,
    ) -> ModelVersion:
        """Record a trained model; `active` makes it the one in use."""
        with self._session(write=True) as s:
            if s.scalar(sa.select(ModelVersionRow.id).where(ModelVersionRow.version == version)):
                raise CatalogueError(f"{self.location}: model version {version!r} exists already")
            if active:
                s.execute(sa.update(ModelVersionRow).values(active=False))
            row = ModelVersionRow(
                version=version, path=path, metrics=dict(metrics or {}), note=note,
                active=active, created_at=created_at or utcnow(),
            )  # fmt: skip
            s.add(row)
            s.flush()
            return convert.model_version(row)

    def set_active_model(self, version: str) -> Changes:
        """Make `version` the active model (rollback = activating an older one)."""
        with self._session(write=True) as s:
            if not s.scalar(
                sa.select(ModelVersionRow.id).where(ModelVersionRow.version == version)
            ):
                raise CatalogueError(f"{self.location}: no model version {version!r}")
            s.execute(sa.update(ModelVersionRow).values(active=ModelVersionRow.version == version))
        return Changes(model=True)

    def active_model(self) -> ModelVersion | None:
        """The model in use, if any."""
        with self._session() as s:
            row = s.scalars(sa.select(ModelVersionRow).where(ModelVersionRow.active)).first()
            return convert.model_version(row) if row is not None else None

    def model_versions(self) -> list[ModelVersion]:
        """Every recorded model, newest first."""
        with self._session() as s:
            stmt = sa.select(ModelVersionRow).order_by(
                ModelVersionRow.created_at.desc(), ModelVersionRow.id.desc()
            )
            return [convert.model_version(r) for r in s.scalars(stmt)]

    # -- stats --------------------------------------------------------------------------------

    def stats(self) -> dict[str, int]:
        """Counts for `info` and the status bar."""
        a = AssetRow.id

        def has(field: Field, *conds: Any) -> Any:
            return sa.exists().where(
                FieldValueRow.asset_id == a, FieldValueRow.field == field.value, *conds
            )

        def count(*conds: Any) -> Any:
            return sa.select(sa.func.count()).select_from(AssetRow).where(*conds).scalar_subquery()

        year = has(Field.DATE, FieldValueRow.year_from.is_not(None))
        stmt = sa.select(
            count(), count(has(Field.ARTIST)), count(year), count(asset_query.pending_suggestion())
        )
        with self._session() as s:
            total, artist, with_year, pending = s.execute(stmt).one()
        return {
            "assets": total,
            "with_artist": artist,
            "without_artist": total - artist,
            "with_year": with_year,
            "without_year": total - with_year,
            "pending_suggestions": pending,
        }
