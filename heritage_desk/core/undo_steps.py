"""Undo steps in words ("accept Claude Monet"), for the Edit menu, the status bar and the undo
history list; the steps themselves are replayed from the decision log (storage.undo)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from heritage_desk.core.model import Action, Changes, Decision

#: Values longer than this are cut in a label (the Edit menu stays readable).
LABEL_VALUE = 60
_VERBS = {
    Action.ACCEPT: "accept",
    Action.REJECT: "reject",
    Action.EDIT: "set",
    Action.FLAG: "flag for an expert",
    Action.UNFLAG: "remove the flag",
    Action.UNDO: "undo",
}


@dataclass(frozen=True)
class UndoStep:
    """One step on a reviewer's undo (or redo) stack: what it did, to which assets, when."""

    step: str
    label: str
    asset_ids: tuple[int, ...]
    at: datetime
    title: str | None = None  # the asset's title when the step touched one asset


@dataclass(frozen=True)
class UndoState:
    """A reviewer's undo and redo stacks, newest first (as deep as asked)."""

    undo: tuple[UndoStep, ...] = ()
    redo: tuple[UndoStep, ...] = ()


@dataclass(frozen=True)
class Undone:
    """What an undo or redo reversed (None: nothing to), and the stacks afterwards."""

    changes: Changes
    step: UndoStep | None
    state: UndoState


def _short(v: str | None) -> str:
    v = v or ""
    return v if len(v) <= LABEL_VALUE else v[: LABEL_VALUE - 1] + "…"


def step_label(decisions: Sequence[Decision]) -> str:
    """'accept Claude Monet', 'accept Claude Monet and 1870s', 'set date to 1890', 'flag for an
    expert', 'batch accept of 24 values' — what the step's decisions did (originals for a redo)."""
    if not decisions:
        return ""
    assets = {d.asset_id for d in decisions}
    actions = {d.action for d in decisions}
    if len(assets) > 1:
        n = len(decisions)
        if actions == {Action.ACCEPT}:
            return f"batch accept of {n} values"
        return f"{n} decisions on {len(assets)} assets"
    parts: list[str] = []
    for action in dict.fromkeys(d.action for d in decisions):
        mine = [d for d in decisions if d.action is action]
        if action in (Action.ACCEPT, Action.REJECT):
            values = " and ".join(_short(d.new_value) for d in mine)
            parts.append(f"{_VERBS[action]} {values}")
        elif action is Action.EDIT:
            parts += [
                f"set {d.field.value} to {_short(d.new_value)}"
                if d.new_value
                else f"clear {d.field.value}"
                for d in mine
            ]
        else:
            parts.append(_VERBS[action])
    return "; ".join(parts)


def undo_step(step: str, decisions: Sequence[Decision], title: str | None = None) -> UndoStep:
    """The UndoStep of a step id and its decisions (oldest first or newest first)."""
    ordered = sorted(decisions, key=lambda d: d.id)
    ids = tuple(dict.fromkeys(d.asset_id for d in ordered))
    at = ordered[-1].at if ordered else datetime.min
    return UndoStep(step, step_label(ordered), ids, at, title if len(ids) == 1 else None)
