"""Undo and redo over the append-only decision log: an undo is itself a decision (Anki style)."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from heritage_desk.core.model import UNKNOWN_ARTIST, Action, Field
from heritage_desk.storage import convert, fieldops
from heritage_desk.storage.fieldops import Act, Change
from heritage_desk.storage.orm import DecisionRow

#: How many of a reviewer's latest decisions the undo history looks back over.
WINDOW = 20_000


def _batch(batch_id: str | None, decision_id: int) -> str:
    return batch_id or f"#{decision_id}"


def stacks(session: Session, reviewer: str) -> tuple[list[str], list[str]]:
    """The reviewer's undo and redo stacks of step (batch) ids, replayed from the log."""
    target = aliased(DecisionRow)
    rows = session.execute(
        sa.select(
            DecisionRow.id, DecisionRow.batch_id, DecisionRow.action, DecisionRow.undoes,
            target.batch_id, target.id,
        )
        .outerjoin(target, target.id == DecisionRow.undoes)
        .where(DecisionRow.reviewer == reviewer)
        .order_by(DecisionRow.id.desc())
        .limit(WINDOW)
    ).all()  # fmt: skip
    undo_stack: list[str] = []
    redo_stack: list[str] = []
    seen: set[str] = set()
    for d_id, batch_id, action, undoes, t_batch, t_id in reversed(rows):
        step = _batch(batch_id, d_id)
        if step in seen:
            continue
        seen.add(step)
        if undoes is None:
            undo_stack.append(step)
            redo_stack.clear()
            continue
        tstep = _batch(t_batch, t_id)
        if action == Action.UNDO.value:
            if tstep in undo_stack:
                undo_stack.remove(tstep)
            redo_stack.append(step)
        else:  # a redo: it undid an undo step
            if tstep in redo_stack:
                redo_stack.remove(tstep)
            undo_stack.append(step)
    return undo_stack, redo_stack


def top_undo_step(session: Session, reviewer: str) -> str | None:
    """The step undo would reverse now (stacks()[0][-1]) in one indexed query, or None.

    A step is on the undo stack until an undo by the same reviewer reverses it; a step's
    decisions are written together, so the newest decision of the reviewer that is not an
    undo and that no undo targets belongs to the top step. Reads a handful of index entries
    (reviewer, id descending; undoes) instead of replaying the log.
    """
    undo = aliased(DecisionRow)
    # Only the reviewer's own undos reverse their steps; the reviewer is not tested here so that
    # the planner probes ix_decisions_undoes, not the reviewer's whole history.
    undone = sa.exists().where(undo.undoes == DecisionRow.id, undo.action == Action.UNDO.value)
    row = session.execute(
        sa.select(DecisionRow.id, DecisionRow.batch_id)
        .where(DecisionRow.reviewer == reviewer, DecisionRow.action != Action.UNDO.value, ~undone)
        .order_by(DecisionRow.id.desc())
        .limit(1)
    ).first()
    return _batch(row.batch_id, row.id) if row is not None else None


def step_decisions(session: Session, step: str) -> list[DecisionRow]:
    """The decisions of one step, newest first (undone in that order)."""
    cond = DecisionRow.id == int(step[1:]) if step.startswith("#") else DecisionRow.batch_id == step
    return list(session.scalars(sa.select(DecisionRow).where(cond).order_by(DecisionRow.id.desc())))


def _left_value(d: DecisionRow) -> str | None:
    """The field value decision `d` left behind."""
    return d.new_state.get("value") if d.new_state else None


def closes_only(action: str, new_value: str | None) -> bool:
    """A decision that closed a suggestion and changed no value: a reject, or accepting
    "none of the painters I know" (the field stays empty). Undo reopens the suggestion."""
    return action == Action.REJECT.value or (
        action == Action.ACCEPT.value and new_value == UNKNOWN_ARTIST
    )


def _reversal(session: Session, where: str, d: DecisionRow, originals: dict[int, DecisionRow],
              reviewer: str, batch: str) -> Change | None:  # fmt: skip
    """The field change reversing decision `d`, or None when `d` changed no value (a reject)."""
    field = Field(d.field)
    if d.action == Action.UNDO.value:  # reversing an undo is a redo of the original decision
        assert d.undoes is not None
        original = originals[d.undoes]
        action = Action(original.action)
        act = Act(
            action=action, reviewer=reviewer, batch_id=batch, undoes=d.id,
            model_version=original.model_version, probability=original.probability,
            expected_old=_left_value(d), new_value=original.new_value,
        )  # fmt: skip
        if closes_only(original.action, original.new_value):
            fieldops.set_rejected(session, d.asset_id, field, original.new_value, True)
            fieldops.record(session, where, d.asset_id, field, act)
            return None
        return Change(d.asset_id, field, convert.state_value(field, d.old_state), act)
    act = Act(
        action=Action.UNDO, reviewer=reviewer, batch_id=batch, undoes=d.id,
        model_version=d.model_version, probability=d.probability, expected_old=_left_value(d),
    )  # fmt: skip
    if closes_only(d.action, d.new_value):
        fieldops.set_rejected(session, d.asset_id, field, d.new_value, False)
        fieldops.record(session, where, d.asset_id, field, replace(act, new_value=d.new_value))
        return None
    return Change(d.asset_id, field, convert.state_value(field, d.old_state), act)


def reverse_step(session: Session, where: str, step: str, reviewer: str) -> list[int]:
    """Reverse every decision of a step as one new step; returns the asset ids touched."""
    batch = fieldops.new_batch_id()
    decisions = step_decisions(session, step)
    wanted = sorted({d.undoes for d in decisions if d.undoes is not None})
    originals: dict[int, DecisionRow] = {}
    for start in range(0, len(wanted), 500):
        stmt = sa.select(DecisionRow).where(DecisionRow.id.in_(wanted[start : start + 500]))
        originals.update((r.id, r) for r in session.scalars(stmt))
    touched: list[int] = []
    pending: list[Change] = []
    for d in decisions:
        original = originals.get(d.undoes) if d.undoes is not None else None
        redoes_close = (
            d.action == Action.UNDO.value
            and original is not None
            and closes_only(original.action, original.new_value)
        )
        if closes_only(d.action, d.new_value) or redoes_close:
            fieldops.apply_many(session, where, pending)  # keep the log in order
            pending = []
        change = _reversal(session, where, d, originals, reviewer, batch)
        if change is not None:
            pending.append(change)
        touched.append(d.asset_id)
    fieldops.apply_many(session, where, pending)
    return touched
