"""The fields repository: one field's value, set or cleared (with its decision), vocabularies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from heritage_desk.core.model import Action, Changes, Field, FieldValue, Provenance
from heritage_desk.core.names import parse_artist
from heritage_desk.storage import accept_origin, convert, fieldops
from heritage_desk.storage.base import Repository
from heritage_desk.storage.fieldops import UNSET, Act, Change, Unset
from heritage_desk.storage.orm import ArtistAliasRow, ArtistRow, FieldValueRow


class FieldRepository(Repository):
    """Field values of assets, the decisions that change them, and the artists they name."""

    def get_field(self, asset_id: int, field: Field) -> FieldValue | None:
        """The current value of one field, or None when unknown."""
        with self._scope.session() as s:
            row = fieldops.current_row(s, asset_id, field)
            return convert.field_value(row) if row is not None else None

    def write(self, changes: Iterable[Change]) -> Changes:
        """Apply field changes in order in one transaction (each decision where `act` says)."""
        todo = list(changes)
        with self._scope.session(write=True) as s:
            fieldops.apply_many(s, self._scope.location, todo)
        return Changes(
            fields=bool(todo),
            decisions=any(c.act.action is not None for c in todo),
            asset_ids=frozenset(c.asset_id for c in todo),
        )

    def set_field(
        self,
        asset_id: int,
        field: Field,
        value: str,
        provenance: Provenance,
        *,
        year_from: int | None = None,
        year_to: int | None = None,
        reviewer: str | None = None,
        model_version: str | None = None,
        probability: float | None = None,
        confirmed: bool | None = None,
        action: Action | None = None,
        expected_old: str | Unset | None = UNSET,
        batch_id: str | None = None,
        at: datetime | None = None,
    ) -> Changes:
        """Set a field; with `action`, append the decision in the same transaction."""
        # expected_old: the value the reviewer saw; if it changed meanwhile, ConflictError.
        # confirmed: None means True for curator and accepted values, False for imported ones.
        new = FieldValue(
            field, value, provenance, year_from=year_from, year_to=year_to,
            model_version=model_version, probability=probability, reviewer=reviewer,
            decided_at=at, confirmed=confirmed,
        )  # fmt: skip
        act = Act(
            action=action, reviewer=reviewer, batch_id=batch_id, model_version=model_version,
            probability=probability, at=at, expected_old=expected_old,
        )  # fmt: skip
        return self.write([Change(asset_id, field, new, act)])

    def set_fields(self, asset_id: int, values: Iterable[FieldValue]) -> Changes:
        """Set several fields of one asset at once (an import's CSV row); records no decisions.

        The same as one set_field per field without `action`, in a handful of statements:
        the asset is locked and its field rows read once, new rows go in with one insert.
        """
        return self.write(Change(asset_id, fv.field, fv, Act()) for fv in values)

    def clear_field(
        self,
        asset_id: int,
        field: Field,
        *,
        reviewer: str | None = None,
        action: Action | None = None,
        expected_old: str | Unset | None = UNSET,
        batch_id: str | None = None,
    ) -> Changes:
        """Make a field unknown again; with `action`, append the decision."""
        act = Act(action=action, reviewer=reviewer, batch_id=batch_id, expected_old=expected_old)
        return self.write([Change(asset_id, field, None, act)])

    def vocabulary(self, field: Field) -> list[str]:
        """The distinct values of a field, sorted (for the form's combos)."""
        with self._scope.session() as s:
            stmt = (
                sa.select(FieldValueRow.value)
                .where(FieldValueRow.field == field.value)
                .distinct()
                .order_by(FieldValueRow.value)
            )
            return [v for v in s.scalars(stmt) if v]

    def artists(self) -> list[str]:
        """The canonical artists' display names, sorted."""
        with self._scope.session() as s:
            return list(
                s.scalars(sa.select(ArtistRow.display_name).order_by(ArtistRow.display_name))
            )

    def canonical_artist_names(self) -> dict[str, str]:
        """Each artist's canonical key -> the one name suggestions show and accepts write
        (storage.accept_origin.record_spellings; a person no record writes: the display name)."""
        with self._scope.session() as s:
            names = dict(s.execute(sa.select(ArtistRow.key, ArtistRow.display_name)).all())
            names.update(accept_origin.record_spellings(s))
        return names

    def artist_aliases(self, name: str) -> list[str]:
        """Every spelling recorded for the person `name` names."""
        key = parse_artist(name).key
        with self._scope.session() as s:
            stmt = (
                sa.select(ArtistAliasRow.alias)
                .join(ArtistRow, ArtistRow.id == ArtistAliasRow.artist_id)
                .where(ArtistRow.key == key)
                .order_by(ArtistAliasRow.alias)
            )
            return list(s.scalars(stmt))
