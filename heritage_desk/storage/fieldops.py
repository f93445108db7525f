"""Changing one field inside a transaction: optimistic check, artist linking, decision row."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import Action, Field, Provenance
from heritage_desk.core.names import parse_artist
from heritage_desk.storage import convert
from heritage_desk.storage.errors import AssetNotFoundError, ConflictError
from heritage_desk.storage.orm import (
    ArtistAliasRow,
    ArtistRow,
    AssetRow,
    DecisionRow,
    FieldValueRow,
    SuggestionRow,
    utcnow,
)


class Unset(enum.Enum):
    """Marks an argument not given (None is a meaningful value: 'the field was unknown')."""

    UNSET = 0


UNSET = Unset.UNSET


def new_batch_id() -> str:
    """A fresh id grouping decisions into one undoable step."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Act:
    """Who does what, recorded as a decision when `action` is set."""

    action: Action | None = None
    reviewer: str | None = None
    batch_id: str | None = None
    undoes: int | None = None
    model_version: str | None = None
    probability: float | None = None
    at: datetime | None = None
    #: The value this reviewer saw; UNSET skips the optimistic-concurrency check.
    expected_old: str | Unset | None = UNSET
    #: What the decision reports as its new value (a reject names the rejected suggestion).
    new_value: str | Unset | None = UNSET


def lock_asset(session: Session, asset_id: int, where: str) -> AssetRow:
    """The asset row, locked against concurrent writers on PostgreSQL (SQLite locks the file)."""
    row = session.scalars(
        sa.select(AssetRow).where(AssetRow.id == asset_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise AssetNotFoundError(f"{where}: no asset #{asset_id}")
    return row


def current_row(session: Session, asset_id: int, field: Field) -> FieldValueRow | None:
    """The field row of an asset, or None when the field is unknown."""
    return session.scalars(
        sa.select(FieldValueRow).where(
            FieldValueRow.asset_id == asset_id, FieldValueRow.field == field.value
        )
    ).one_or_none()


def conflict_message(where: str, asset_id: int, field: Field, row: FieldValueRow | None,
                     expected: str | Unset | None, *, raced: bool = False) -> str:  # fmt: skip
    """One line saying who changed what since the reviewer looked."""
    saw = "empty" if expected is None or isinstance(expected, Unset) else repr(expected)
    if raced:
        now = "was set by someone else at the same moment"
    elif row is None:
        now = "has been cleared by someone else"
    else:
        who = row.reviewer or row.provenance
        when = (
            row.decided_at.strftime("%Y-%m-%d %H:%M UTC") if row.decided_at else "an unknown time"
        )
        now = f"was changed to {row.value!r} by {who} at {when}"
    return (
        f"{where}: {field.value} of asset #{asset_id} {now} (you saw {saw}); "
        "reload the asset and decide again"
    )


def link_artist(session: Session, text: str) -> tuple[int | None, str | None]:
    """The canonical artist (created on first sight) and attribution qualifier of an artist cell."""
    ref = parse_artist(text)
    if not ref.is_person:
        return None, ref.qualifier
    artist_id = session.scalar(sa.select(ArtistRow.id).where(ArtistRow.key == ref.key))
    if artist_id is None:
        try:
            # A savepoint: a second curator creating the same artist must not abort our work.
            with session.begin_nested():
                artist = ArtistRow(key=ref.key, display_name=ref.name)
                session.add(artist)
            artist_id = artist.id
        except sa.exc.IntegrityError:
            artist_id = session.scalars(
                sa.select(ArtistRow.id).where(ArtistRow.key == ref.key)
            ).one()
    has_alias = session.scalar(
        sa.select(ArtistAliasRow.id).where(
            ArtistAliasRow.artist_id == artist_id, ArtistAliasRow.alias == ref.name
        )
    )
    if has_alias is None:
        try:
            with session.begin_nested():
                session.add(ArtistAliasRow(artist_id=artist_id, alias=ref.name))
        except sa.exc.IntegrityError:
            pass  # another curator recorded the same spelling at the same moment
    return artist_id, ref.qualifier


def make_state(value: str, provenance: Provenance, *, year_from: int | None = None,
               year_to: int | None = None, model_version: str | None = None,
               probability: float | None = None, reviewer: str | None = None,
               confirmed: bool | None = None, decided_at: datetime | None = None,
               ) -> dict[str, Any]:  # fmt: skip
    """A field state; `confirmed` defaults to True for curator and accepted values."""
    if confirmed is None:
        confirmed = provenance is not Provenance.IMPORTED
    return {
        "value": value, "year_from": year_from, "year_to": year_to,
        "provenance": provenance.value, "model_version": model_version,
        "probability": probability, "reviewer": reviewer, "confirmed": confirmed,
        "decided_at": (decided_at or utcnow()).isoformat(),
    }  # fmt: skip


def apply(session: Session, where: str, asset_id: int, field: Field,
          new: dict[str, Any] | None, act: Act) -> DecisionRow | None:  # fmt: skip
    """Set (or, with `new` None, clear) a field; append a decision when `act.action` is set."""
    lock_asset(session, asset_id, where)
    row = current_row(session, asset_id, field)
    old_value = row.value if row is not None else None
    if not isinstance(act.expected_old, Unset) and act.expected_old != old_value:
        raise ConflictError(conflict_message(where, asset_id, field, row, act.expected_old))
    old = convert.state(row)
    if new is None:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = FieldValueRow(asset_id=asset_id, field=field.value)
            session.add(row)
        for col in convert.STATE_COLUMNS:
            setattr(row, col, new.get(col))
        row.decided_at = convert.state_decided_at(new)
        if field is Field.ARTIST:
            row.artist_id, row.qualifier = link_artist(session, new["value"])
    decision = None
    if act.action is not None:
        new_value: str | None = new["value"] if new is not None else None
        decision = DecisionRow(
            asset_id=asset_id, field=field.value, action=act.action.value,
            old_value=old_value,
            new_value=new_value if isinstance(act.new_value, Unset) else act.new_value,
            reviewer=act.reviewer or "unknown", at=act.at or utcnow(),
            model_version=act.model_version, probability=act.probability,
            old_state=old, new_state=new if new is not None else None,
            undoes=act.undoes, batch_id=act.batch_id or new_batch_id(),
        )  # fmt: skip
        session.add(decision)
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:
        # Two curators filled the same empty field at once: the later insert loses.
        msg = conflict_message(where, asset_id, field, None, act.expected_old, raced=True)
        raise ConflictError(msg) from exc
    return decision


def record(session: Session, where: str, asset_id: int, field: Field, act: Act) -> DecisionRow:
    """Append a decision that changes no field value (a reject); the field state is kept."""
    assert act.action is not None
    lock_asset(session, asset_id, where)
    row = current_row(session, asset_id, field)
    st = convert.state(row)
    current = row.value if row is not None else None
    decision = DecisionRow(
        asset_id=asset_id, field=field.value, action=act.action.value, old_value=current,
        new_value=current if isinstance(act.new_value, Unset) else act.new_value,
        reviewer=act.reviewer or "unknown", at=act.at or utcnow(),
        model_version=act.model_version, probability=act.probability,
        old_state=st, new_state=st, undoes=act.undoes, batch_id=act.batch_id or new_batch_id(),
    )  # fmt: skip
    session.add(decision)
    session.flush()
    return decision


def set_rejected(session: Session, asset_id: int, field: Field, value: str | None,
                 rejected: bool) -> None:  # fmt: skip
    """Mark the suggestions of `value` for a field rejected (or open again)."""
    session.execute(
        sa.update(SuggestionRow)
        .where(
            SuggestionRow.asset_id == asset_id,
            SuggestionRow.field == field.value,
            SuggestionRow.value == value,
        )
        .values(rejected=rejected)
    )
