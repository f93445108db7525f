"""Artist life dates and authority ids in the catalogue: record what records state, read it back."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.artist_facts import ArtistFacts, AuthorityIds, LifeDates
from heritage_desk.core.names import parse_artist
from heritage_desk.storage.base import Repository
from heritage_desk.storage.orm import ArtistRow

_LIFE = ("born", "died", "active_from", "active_to")
_IDS = {"ulan": "ulan_id", "wikidata": "wikidata_id", "rkd": "rkd_id"}


def to_facts(row: ArtistRow) -> ArtistFacts:
    """The core value of one artist row."""
    life = LifeDates(
        born=row.born, died=row.died, active_from=row.active_from, active_to=row.active_to,
        approximate=bool(row.life_approximate), text=row.life_text or "",
    )  # fmt: skip
    ids = AuthorityIds(ulan=row.ulan_id, wikidata=row.wikidata_id, rkd=row.rkd_id)
    return ArtistFacts(row.key, row.display_name, life, ids, row.facts_source or "")


def _artist_row(session: Session, facts: ArtistFacts) -> ArtistRow:
    """The artist row of `facts.key`, created on first sight (a savepoint against a racer)."""
    row = session.scalar(sa.select(ArtistRow).where(ArtistRow.key == facts.key))
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = ArtistRow(key=facts.key, display_name=facts.name or facts.key)
            session.add(row)
        return row
    except sa.exc.IntegrityError:
        return session.scalars(sa.select(ArtistRow).where(ArtistRow.key == facts.key)).one()


def record(session: Session, facts: ArtistFacts) -> list[str]:
    """Fill the artist's unknown life years and ids from `facts`; differences are reported.

    A stated value is never overwritten by another record's: the first source stays and the
    disagreement comes back as a line for the import report.
    """
    if not facts.key:
        return []
    row = _artist_row(session, facts)
    notes: list[str] = []
    life_changed = False
    for name in _LIFE:
        new, old = getattr(facts.life, name), getattr(row, name)
        if new is None:
            continue
        if old is None:
            setattr(row, name, new)
            life_changed = True
        elif old != new:
            notes.append(f"{row.display_name}: {name} {new} differs from the recorded {old}; kept")
    if life_changed:
        row.life_approximate = bool(row.life_approximate) or facts.life.approximate
        row.life_text = row.life_text or facts.life.text or None
    ids_changed = False
    for kind, column in _IDS.items():
        new, old = getattr(facts.ids, kind), getattr(row, column)
        if not new:
            continue
        if not old:
            setattr(row, column, new)
            ids_changed = True
        elif old != new:
            notes.append(
                f"{row.display_name}: {kind} id {new} differs from the recorded {old}; kept"
            )
    if (life_changed or ids_changed) and facts.source and not row.facts_source:
        row.facts_source = facts.source
    return notes


class ArtistFactsRepository(Repository):
    """The catalogue's part for artist life dates and authority ids (typed, core values only)."""

    def record_artist_facts(self, facts: Iterable[ArtistFacts]) -> list[str]:
        """Keep what records state about artists; lines naming each disagreement (kept as was)."""
        notes: list[str] = []
        with self._scope.session(write=True) as s:
            for f in facts:
                notes += record(s, f)
        return notes

    def artist_facts(self, name_or_key: str) -> ArtistFacts | None:
        """Life dates and ids of the person a name (any spelling, with details) or key names."""
        keys = {name_or_key, parse_artist(name_or_key).key} - {""}
        if not keys:
            return None
        with self._scope.session() as s:
            row = s.scalar(sa.select(ArtistRow).where(ArtistRow.key.in_(keys)).limit(1))
            return to_facts(row) if row is not None else None

    def artist_life_dates(self, name_or_key: str) -> LifeDates | None:
        """The artist's life / active years when any are known, else None."""
        facts = self.artist_facts(name_or_key)
        return facts.life if facts is not None and not facts.life.is_empty else None

    def all_artist_facts(self) -> dict[str, ArtistFacts]:
        """Every artist with known life years or ids, by canonical key (one query)."""
        known = sa.or_(*(getattr(ArtistRow, n).is_not(None) for n in (*_LIFE, *_IDS.values())))
        with self._scope.session() as s:
            return {r.key: to_facts(r) for r in s.scalars(sa.select(ArtistRow).where(known))}
