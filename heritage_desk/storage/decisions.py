"""The decisions repository: the append-only log, read back, and undo/redo over it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import UNKNOWN_ARTIST, Action, Changes, Decision, Field
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

    def unknown_painter_accepts(self) -> dict[int, Decision]:
        """The assets whose latest artist decision accepted "none of the painters I know" (not
        undone since), with that decision: why their artist is empty, for the export."""
        latest = (
            sa.select(sa.func.max(DecisionRow.id))
            .where(DecisionRow.field == Field.ARTIST.value)
            .group_by(DecisionRow.asset_id)
        )
        with self._scope.session() as s:
            rows = s.scalars(
                sa.select(DecisionRow).where(
                    DecisionRow.id.in_(latest),
                    DecisionRow.action == Action.ACCEPT.value,
                    DecisionRow.new_value == UNKNOWN_ARTIST,
                )
            )
            return {r.asset_id: convert.decision(r) for r in rows}

    def reverse(self, reviewer: str, redo: bool) -> tuple[Changes, str | None, list[Decision]]:
        """Reverse the reviewer's top undo (or redo) step: the Changes, the step reversed and
        what it did (for a redo: the decisions it redoes), oldest first."""
        with self._scope.session(write=True) as s:
            if redo:
                stack = undo.stacks(s, reviewer)[1]
                step = stack[-1] if stack else None
            else:  # one indexed query: cheap enough to run after every decision
                step = undo.top_undo_step(s, reviewer)
            if step is None:
                return Changes(), None, []
            did = self._what_it_did(s, step)
            touched = undo.reverse_step(s, self._scope.location, step, reviewer)
        changes = Changes(
            fields=True, suggestions=True, decisions=True, asset_ids=frozenset(touched)
        )
        return changes, step, did

    def undo(self, reviewer: str) -> Changes:
        """Reverse the reviewer's latest step (a batch counts as one); an empty Changes: none."""
        return self.reverse(reviewer, redo=False)[0]

    def redo(self, reviewer: str) -> Changes:
        """Reverse the reviewer's latest undo."""
        return self.reverse(reviewer, redo=True)[0]

    def undo_steps(
        self, reviewer: str, depth: int = 1, redo: bool = True
    ) -> tuple[list[tuple[str, list[Decision]]], list[tuple[str, list[Decision]]]]:
        """The top `depth` steps of the reviewer's undo and redo stacks, newest first, each
        with what it did (a redo step: what redoing it does). Without `redo`, the undo top
        alone in one indexed query (after a new decision the redo stack is empty anyway)."""
        with self._scope.session() as s:
            if not redo and depth == 1:
                top = undo.top_undo_step(s, reviewer)
                undos, redos = ([top] if top else []), []
            else:
                undo_stack, redo_stack = undo.stacks(s, reviewer)
                undos = list(reversed(undo_stack[-depth:]))
                redos = list(reversed(redo_stack[-depth:])) if redo else []
            return (
                [(st, self._what_it_did(s, st)) for st in undos],
                [(st, self._what_it_did(s, st)) for st in redos],
            )

    def undo_stack(self, reviewer: str) -> list[str]:
        """The reviewer's undo stack of step ids, newest first."""
        with self._scope.session() as s:
            return list(reversed(undo.stacks(s, reviewer)[0]))

    @staticmethod
    def _what_it_did(s: Session, step: str) -> list[Decision]:
        """A step's decisions, oldest first; an undo step's: the decisions it undid."""
        rows = undo.step_decisions(s, step)
        targets = [r.undoes for r in rows if r.action == Action.UNDO.value and r.undoes]
        if targets and len(targets) == len(rows):
            rows = []
            for start in range(0, len(targets), 500):
                chunk = targets[start : start + 500]
                rows += s.scalars(sa.select(DecisionRow).where(DecisionRow.id.in_(chunk)))
        return [convert.decision(r) for r in sorted(rows, key=lambda r: r.id)]
