"""Reviewing suggestions, Qt-free: accept, reject, pick, edit, undo/redo, batch accept."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from heritage_desk.core.dates import parse_years
from heritage_desk.core.model import (
    PREDICTED_FIELDS,
    UNKNOWN_ARTIST,
    Action,
    Changes,
    Decision,
    Field,
    Provenance,
    Suggestion,
)
from heritage_desk.core.query import AssetQuery
from heritage_desk.core.undo_steps import Undone, UndoState, UndoStep, undo_step
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueError
from heritage_desk.storage.fieldops import UNSET, Unset, new_batch_id


class ReviewService:
    """The use cases of the review panel over one catalogue; every call returns a Changes."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def accept(
        self,
        asset_id: int,
        field: Field,
        suggestion: Suggestion,
        reviewer: str,
        *,
        expected_old: str | Unset | None = UNSET,
    ) -> Changes:
        """Make a suggestion the field's value; `expected_old` = the value the reviewer saw.

        "None of the painters I know" is no value: see `accept_many`."""
        _same_field(field, suggestion)
        if suggestion.value == UNKNOWN_ARTIST:
            return self.accept_many(asset_id, [suggestion], reviewer)
        return self.catalogue.set_field(
            asset_id,
            suggestion.field,
            suggestion.value,
            Provenance.SUGGESTION,
            year_from=suggestion.year_from,
            year_to=suggestion.year_to,
            reviewer=reviewer,
            model_version=suggestion.model_version,
            probability=suggestion.probability,
            action=Action.ACCEPT,
            expected_old=expected_old,
        )

    def pick(
        self,
        asset_id: int,
        field: Field,
        position: int,
        reviewer: str,
        *,
        expected_old: str | Unset | None = UNSET,
    ) -> Changes:
        """Accept the candidate shown at `position` (1-5) among the open suggestions."""
        open_ones = self.catalogue.suggestions(asset_id, field)
        if not 1 <= position <= len(open_ones):
            raise CatalogueError(
                f"asset #{asset_id} has {len(open_ones)} open {field.value} suggestions, "
                f"no candidate {position}"
            )
        chosen = open_ones[position - 1]
        return self.accept(asset_id, field, chosen, reviewer, expected_old=expected_old)

    def reject(
        self, asset_id: int, field: Field, suggestion: Suggestion | str, reviewer: str
    ) -> Changes:
        """Reject a suggestion (or a value): it leaves the list and stays out if proposed again."""
        value = suggestion if isinstance(suggestion, str) else suggestion.value
        if not isinstance(suggestion, str):
            _same_field(field, suggestion)
        return self.catalogue.reject_suggestion(asset_id, field, value, reviewer)

    def reject_many(
        self, asset_id: int, suggestions: Sequence[Suggestion], reviewer: str
    ) -> Changes:
        """Reject several suggestions of one asset as one undoable step."""
        batch = new_batch_id()
        changes = Changes()
        with self.catalogue.transaction():
            for s in suggestions:
                changes |= self.catalogue.reject_suggestion(
                    asset_id, s.field, s.value, reviewer, batch_id=batch
                )
        return changes

    def accept_many(
        self, asset_id: int, suggestions: Sequence[Suggestion], reviewer: str
    ) -> Changes:
        """Accept one suggestion per (unknown) field of an asset as one undoable step.

        "None of the painters I know" is no value: its field's named suggestions are rejected
        in the same step, the field stays empty, and the accept is recorded (its history and
        the export's provenance say why the artist is empty)."""
        if len({s.field for s in suggestions}) != len(suggestions):
            raise ValueError("accept_many takes at most one suggestion per field")
        batch = new_batch_id()
        named = [(asset_id, s) for s in suggestions if s.value != UNKNOWN_ARTIST]
        nobody = [s.field for s in suggestions if s.value == UNKNOWN_ARTIST]
        if not nobody:
            return self.catalogue.accept_suggestions(named, reviewer, batch_id=batch)
        changes = Changes()
        with self.catalogue.transaction():
            for f in nobody:
                for s in self.catalogue.suggestions(asset_id, f):
                    if s.value != UNKNOWN_ARTIST:
                        changes |= self.catalogue.reject_suggestion(
                            asset_id, f, s.value, reviewer, batch_id=batch
                        )
                changes |= self.catalogue.accept_unknown_painter(
                    asset_id, f, reviewer, batch_id=batch
                )
            if named:
                changes |= self.catalogue.accept_suggestions(named, reviewer, batch_id=batch)
        return changes

    def edit(
        self,
        asset_id: int,
        field: Field,
        value: str,
        reviewer: str,
        *,
        expected_old: str | Unset | None = UNSET,
    ) -> Changes:
        """Type a value; an empty one clears the field. Dates get their years parsed."""
        value = value.strip()
        if not value:
            return self.catalogue.clear_field(
                asset_id, field, reviewer=reviewer, action=Action.EDIT, expected_old=expected_old
            )
        years = parse_years(value) if field is Field.DATE else None
        return self.catalogue.set_field(
            asset_id,
            field,
            value,
            Provenance.CURATOR,
            year_from=years[0] if years else None,
            year_to=years[1] if years else None,
            reviewer=reviewer,
            action=Action.EDIT,
            expected_old=expected_old,
        )

    def flag(self, asset_id: int, note: str, reviewer: str) -> Changes:
        """Flag an asset for an expert with a note (flagging again replaces the note)."""
        return self.catalogue.set_field(
            asset_id,
            Field.FLAG,
            note.strip(),
            Provenance.CURATOR,
            reviewer=reviewer,
            confirmed=False,  # a question, not a value a curator stands behind
            action=Action.FLAG,
        )

    def unflag(self, asset_id: int, reviewer: str) -> Changes:
        """Take the flag off (the expert has answered); the note stays in the history."""
        if Field.FLAG not in self.catalogue.get_asset(asset_id).fields:
            return Changes()
        return self.catalogue.clear_field(
            asset_id, Field.FLAG, reviewer=reviewer, action=Action.UNFLAG
        )

    def reverse(self, reviewer: str, redo: bool = False) -> Undone:
        """Undo (or redo) this reviewer's latest step, saying what it was and what is next."""
        changes, step, did = self.catalogue.reverse(reviewer, redo)
        reversed_step = self._steps([(step, did)])[0] if step is not None else None
        return Undone(changes, reversed_step, self.undo_state(reviewer, 1))

    def undo_state(self, reviewer: str, depth: int = 1, redo: bool = True) -> UndoState:
        """The top `depth` steps of this reviewer's undo and redo stacks, in words."""
        undos, redos = self.catalogue.undo_steps(reviewer, depth, redo)
        return UndoState(tuple(self._steps(undos)), tuple(self._steps(redos)))

    def undo_to(self, reviewer: str, step: str) -> Undone:
        """Undo every step down to and including `step` (each stays one step for redo)."""
        undos = self.catalogue.undo_stack(reviewer)
        if step not in undos:
            raise CatalogueError(f"that step is no longer on {reviewer}'s undo stack")
        changes = Changes()
        last: tuple[str | None, list[Decision]] = (None, [])
        for _ in range(undos.index(step) + 1):
            ch, reversed_step, did = self.catalogue.reverse(reviewer, False)
            changes |= ch
            last = (reversed_step, did)
        assert last[0] == step
        done = self._steps([(step, last[1])])[0]
        return Undone(changes, done, self.undo_state(reviewer, 1))

    def _steps(self, steps: Sequence[tuple[str, list[Decision]]]) -> list[UndoStep]:
        """Steps in words, a one-asset step with its asset's title."""
        single = {st: ids.pop() for st, did in steps if len(ids := {d.asset_id for d in did}) == 1}
        found = self.catalogue.get_assets(sorted(set(single.values()))) if single else []
        titles = {a.id: a.title for a in found}
        return [undo_step(st, did, titles.get(single.get(st, -1))) for st, did in steps]

    def undo(self, reviewer: str) -> Changes:
        """Reverse this reviewer's latest step (a batch accept is one step)."""
        return self.catalogue.undo(reviewer)

    def redo(self, reviewer: str) -> Changes:
        """Reverse this reviewer's latest undo."""
        return self.catalogue.redo(reviewer)

    def preview_batch(
        self, query: AssetQuery, min_probability: float, fields: Iterable[Field] = PREDICTED_FIELDS
    ) -> int:
        """How many values batch_accept would fill for the assets of `query` (paging ignored)."""
        return len(self.batch_items(query, min_probability, tuple(fields)))

    def batch_items(
        self, query: AssetQuery, min_probability: float, fields: Iterable[Field] = PREDICTED_FIELDS
    ) -> list[tuple[int, Suggestion]]:
        """What batch_accept would accept: each best suggestion at or above the probability."""
        items = self.catalogue.top_suggestions(_unpaged(query), min_probability, tuple(fields))
        return _writable(items)

    def accept_items(self, items: Sequence[tuple[int, Suggestion]], reviewer: str) -> Changes:
        """Accept the (asset, suggestion) pairs a curator kept ticked: one undoable step.

        "None of the painters I know" is never accepted by batch, and one value per field."""
        chosen = list({(a, s.field): (a, s) for a, s in _writable(items)}.values())
        if not chosen:
            return Changes()
        return self.catalogue.accept_suggestions(chosen, reviewer, batch_id=new_batch_id())

    def batch_accept(
        self,
        query: AssetQuery,
        min_probability: float,
        reviewer: str,
        fields: Iterable[Field] = PREDICTED_FIELDS,
    ) -> Changes:
        """Accept every best suggestion at or above `min_probability`: one undoable step."""
        return self.accept_items(self.batch_items(query, min_probability, fields), reviewer)

    def history(self, asset_id: int) -> list[Decision]:
        """The asset's decisions, oldest first."""
        return self.catalogue.history(asset_id)


def _writable(items: Iterable[tuple[int, Suggestion]]) -> list[tuple[int, Suggestion]]:
    """Without "none of the painters I know": it is no value to write."""
    return [(i, s) for i, s in items if s.value != UNKNOWN_ARTIST]


def _unpaged(query: AssetQuery) -> AssetQuery:
    """The whole filter, not the page the view happens to show."""
    return replace(query, offset=0, limit=None)


def _same_field(field: Field, suggestion: Suggestion) -> None:
    if suggestion.field is not field:
        raise ValueError(f"a {suggestion.field.value} suggestion offered for {field.value}")
