"""The decisions repository: the append-only log, read back, and undo/redo over it."""

from __future__ import annotations

import sqlalchemy as sa

from heritage_desk.core.model import Changes, Decision, Field
from heritage_desk.storage import convert, undo
from heritage_desk.storage.base import Repository
from heritage_desk.storage.orm import DecisionRow


class DecisionRepository(Repository):
    """Decision rows (who did what to which field, when) and the undo stack they form."""

    def history(self, asset_id: int, field: Field | None = None) -> list[Decision]:
        """Every decision about an asset, oldest first."""
        stmt = sa.select(DecisionRow).where(DecisionRow.asset_id == asset_id)
        if field is not None:
            stmt = stmt.where(DecisionRow.field == field.value)
        with self._scope.session() as s:
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
        with self._scope.session() as s:
            rows = s.scalars(stmt.order_by(DecisionRow.id.desc()).limit(limit))
            return [convert.decision(r) for r in rows]

    def _reverse_top(self, reviewer: str, redo: bool) -> Changes:
        with self._scope.session(write=True) as s:
            if redo:
                stack = undo.stacks(s, reviewer)[1]
                step = stack[-1] if stack else None
            else:  # one indexed query: cheap enough to run after every decision
                step = undo.top_undo_step(s, reviewer)
            if step is None:
                return Changes()
            touched = undo.reverse_step(s, self._scope.location, step, reviewer)
        return Changes(fields=True, suggestions=True, decisions=True, asset_ids=frozenset(touched))

    def undo(self, reviewer: str) -> Changes:
        """Reverse the reviewer's latest step (a batch counts as one); an empty Changes: none."""
        return self._reverse_top(reviewer, redo=False)

    def redo(self, reviewer: str) -> Changes:
        """Reverse the reviewer's latest undo."""
        return self._reverse_top(reviewer, redo=True)
