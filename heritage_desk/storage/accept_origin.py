"""What an accepted suggestion becomes: the catalogue's spelling of the artist, and its origin."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import Field, Provenance, Suggestion
from heritage_desk.core.names import parse_artist, split_qualifier
from heritage_desk.core.yearbins import decade_label
from heritage_desk.storage.orm import ArtistRow, FieldValueRow, SuggestionRow


def record_spellings(session: Session, key: str | None = None) -> dict[str, str]:
    """Canonical key -> how this catalogue's own records write that person (one key or all).

    "Pierre Auguste Renoir" (the model's vocabulary) is shown and accepted as "Pierre-Auguste
    Renoir (French, 1841–1919)" when that is what the catalogue's records say: one name per
    artist in the window and in the export. The most common unqualified spelling from a record
    or a curator wins (then the first in alphabetical order); suggestions accepted earlier do
    not vote.
    """
    fv = FieldValueRow
    n = sa.func.count()
    stmt = (
        sa.select(ArtistRow.key, fv.value)
        .join(ArtistRow, ArtistRow.id == fv.artist_id)
        .where(
            fv.field == Field.ARTIST.value,
            fv.qualifier.is_(None),
            fv.provenance != Provenance.SUGGESTION.value,
        )
        .group_by(ArtistRow.key, fv.value)
        .order_by(n.desc(), fv.value)
    )
    if key is not None:
        stmt = stmt.where(ArtistRow.key == key)
    out: dict[str, str] = {}
    for k, value in session.execute(stmt):
        out.setdefault(k, value)
    return out


def canonical_artist(session: Session, value: str) -> str:
    """How this catalogue writes the artist `value` names (an attribution keeps its words:
    "attributed to" + the catalogue's name), else `value` as the model spells it."""
    qualifier, rest = split_qualifier(value)
    ref = parse_artist(rest)
    if not ref.is_person or ref.qualifier:
        return value
    found = record_spellings(session, ref.key).get(ref.key)
    if found is None:
        return value
    return f"{qualifier} {found}" if qualifier else found


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
