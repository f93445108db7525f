"""Changing one field inside a transaction: optimistic check, artist linking, decision row."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import Action, Field, FieldValue
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


@dataclass(frozen=True)
class Change:
    """One field of one asset set to `new` (None: cleared), by `act`."""

    asset_id: int
    field: Field
    new: FieldValue | None
    act: Act


def apply(session: Session, where: str, asset_id: int, field: Field,
          new: FieldValue | None, act: Act) -> None:  # fmt: skip
    """Set (or, with `new` None, clear) a field; append a decision when `act.action` is set."""
    apply_many(session, where, [Change(asset_id, field, new, act)])


def _lock_and_load(session: Session, where: str, changes: Sequence[Change]
                   ) -> dict[tuple[int, str], FieldValueRow]:  # fmt: skip
    """Lock the assets (PostgreSQL; SQLite holds the file lock) and load their field rows."""
    ids = sorted({c.asset_id for c in changes})
    fields = sorted({c.field.value for c in changes})
    rows: dict[tuple[int, str], FieldValueRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        stmt = sa.select(AssetRow.id).where(AssetRow.id.in_(chunk)).order_by(AssetRow.id)
        missing = set(chunk) - set(session.scalars(stmt.with_for_update()))
        if missing:
            raise AssetNotFoundError(f"{where}: no asset #{min(missing)}")
        cond = (FieldValueRow.asset_id.in_(chunk), FieldValueRow.field.in_(fields))
        rows.update(
            ((r.asset_id, r.field), r)
            for r in session.scalars(sa.select(FieldValueRow).where(*cond))
        )
    return rows


def _state(obj: FieldValueRow | dict[str, Any] | None) -> dict[str, Any] | None:
    """The JSON state of a loaded row or of a row still waiting to be inserted."""
    if not isinstance(obj, dict):
        return convert.state(obj)
    out = {c: obj[c] for c in convert.STATE_COLUMNS}
    out["decided_at"] = obj["decided_at"].isoformat() if obj["decided_at"] else None
    return out


def apply_many(session: Session, where: str, changes: Sequence[Change], *,
               new_assets: bool = False) -> None:  # fmt: skip
    """Apply many field changes in order, with few statements (a batch of 25k stays quick).

    new_assets: the assets were added in this very transaction, so they exist, nobody else
    can see them and they have no field rows yet: nothing to lock or read.
    """
    if not changes:
        return
    rows: dict[tuple[int, str], FieldValueRow | dict[str, Any]] = (
        {} if new_assets else dict(_lock_and_load(session, where, changes))
    )
    deleted: dict[tuple[int, str], FieldValueRow] = {}
    artists: dict[str, tuple[int | None, str | None]] = {}
    decisions: list[dict[str, Any]] = []
    now = utcnow()
    for c in changes:
        key = (c.asset_id, c.field.value)
        obj = rows.get(key)
        old = _state(obj)
        old_value = old["value"] if old is not None else None
        if not isinstance(c.act.expected_old, Unset) and c.act.expected_old != old_value:
            row = obj if isinstance(obj, FieldValueRow) else None
            raise ConflictError(
                conflict_message(where, c.asset_id, c.field, row, c.act.expected_old)
            )
        values: dict[str, Any] | None = None
        if c.new is None:
            gone = rows.pop(key, None)
            if isinstance(gone, FieldValueRow):
                deleted[key] = gone
        else:
            values = convert.row_values(c.new, now)
            if c.field is Field.ARTIST:
                if c.new.value not in artists:
                    artists[c.new.value] = link_artist(session, c.new.value)
                values["artist_id"], values["qualifier"] = artists[c.new.value]
            if obj is None and key in deleted:
                # Re-use a row deleted earlier in this batch: a delete and an insert of one key
                # in one flush would meet the unique constraint.
                obj = rows[key] = deleted.pop(key)
            if obj is None:
                # New rows go in with one executemany, not one ORM insert each.
                rows[key] = {"asset_id": c.asset_id, "field": key[1], **values}
            elif isinstance(obj, dict):
                obj.update(values)
            else:
                for col, v in values.items():
                    setattr(obj, col, v)
        if c.act.action is not None:
            decisions.append(_decision(c, old_value, old, values, now))
    inserts = [r for r in rows.values() if isinstance(r, dict)]
    for r in inserts:
        r.setdefault("artist_id", None)
        r.setdefault("qualifier", None)
    try:
        for row in deleted.values():
            session.delete(row)
        session.flush()
        if inserts:
            session.execute(sa.insert(FieldValueRow), inserts)
        if decisions:
            session.execute(sa.insert(DecisionRow), decisions)
    except sa.exc.IntegrityError as exc:
        # Two curators filled the same empty field at once: the later insert loses.
        c = changes[0]
        msg = conflict_message(where, c.asset_id, c.field, None, c.act.expected_old, raced=True)
        raise ConflictError(msg) from exc


def _decision(c: Change, old_value: str | None, old: dict[str, Any] | None,
              written: dict[str, Any] | None, now: datetime) -> dict[str, Any]:  # fmt: skip
    """The row of the decision recording change `c` (`written`: the new row's values)."""
    new_value = c.new.value if c.new is not None else None
    new_state = _state(written) if written is not None else None
    act = c.act
    return {
        "asset_id": c.asset_id, "field": c.field.value, "action": str(act.action),
        "old_value": old_value,
        "new_value": new_value if isinstance(act.new_value, Unset) else act.new_value,
        "reviewer": act.reviewer or "unknown", "at": act.at or now,
        "model_version": act.model_version, "probability": act.probability,
        "old_state": old, "new_state": new_state, "undoes": act.undoes,
        "batch_id": act.batch_id or new_batch_id(),
    }  # fmt: skip


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
