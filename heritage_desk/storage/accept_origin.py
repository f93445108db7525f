"""What an accepted suggestion becomes: the catalogue's spelling of the artist, and its origin."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import Field, Provenance, Suggestion
from heritage_desk.core.names import parse_artist
from heritage_desk.core.yearbins import decade_label
from heritage_desk.storage.orm import ArtistRow, FieldValueRow, SuggestionRow


def canonical_artist(session: Session, value: str) -> str:
    """How this catalogue writes the artist `value` names, else `value` as the model spells it.

    "Pierre Auguste Renoir" (the model's vocabulary) becomes "Pierre-Auguste Renoir (French,
    1841–1919)" when that is what the catalogue's own records say: one name per artist in the
    window and in the export. The most common unqualified spelling from a record or a curator
    wins; suggestions accepted earlier do not vote.
    """
    ref = parse_artist(value)
    if not ref.is_person or ref.qualifier:
        return value
    artist_id = session.scalar(sa.select(ArtistRow.id).where(ArtistRow.key == ref.key))
    if artist_id is None:
        return value
    stmt = (
        sa.select(FieldValueRow.value, sa.func.count())
        .where(
            FieldValueRow.field == Field.ARTIST.value,
            FieldValueRow.artist_id == artist_id,
            FieldValueRow.qualifier.is_(None),
            FieldValueRow.provenance != Provenance.SUGGESTION.value,
        )
        .group_by(FieldValueRow.value)
        .order_by(sa.func.count().desc(), FieldValueRow.value)
        .limit(1)
    )
    row = session.execute(stmt).first()
    return str(row[0]) if row is not None else value


def _summary(s: Suggestion | SuggestionRow) -> str:
    if s.year_from is None:
        return s.value
    label = s.value if s.value.endswith("s") else decade_label(s.year_from - s.year_from % 10)
    if s.year_to is not None and s.year_to != s.year_from:
        return f"{label}, {s.year_from}–{s.year_to}"
    return label


def origin_text(session: Session, asset_id: int, sug: Suggestion) -> str:
    """'date suggestion 1 of model m (1860s, 1855–1874, 62%), range edited to 1860–1865'."""
    stored = session.scalar(
        sa.select(SuggestionRow).where(
            SuggestionRow.asset_id == asset_id,
            SuggestionRow.field == sug.field.value,
            SuggestionRow.rank == sug.rank,
        )
    )
    base = stored if stored is not None else sug
    p = f", {base.probability:.0%}" if base.probability is not None else ""
    text = (
        f"{sug.field.value} suggestion {sug.rank} of model {base.model_version} "
        f"({_summary(base)}{p})"
    )
    if (
        stored is not None
        and sug.field is Field.DATE
        and (sug.year_from, sug.year_to) != (stored.year_from, stored.year_to)
    ):
        text += f", range edited to {sug.year_from}–{sug.year_to}"
    return text
