"""Artist facts from one metadata row: the artist line, Met bio / begin / end, authority URLs."""

from __future__ import annotations

from heritage_desk.core.artist_facts import (
    ArtistFacts,
    AuthorityIds,
    life_from_begin_end,
    merge_life,
    parse_authority,
    parse_life_dates,
)
from heritage_desk.core.names import parse_artist

#: Mapping targets for what a record says about its artist (Met Open Access spellings first).
ARTIST_TARGETS = (
    "artist_bio", "artist_begin_date", "artist_end_date",
    "artist_ulan", "artist_wikidata", "artist_rkd",
)  # fmt: skip
ARTIST_GUESSES: dict[str, tuple[str, ...]] = {
    "artist_bio": ("artist_display_bio", "artist_bio", "artist_display", "biography", "bio"),
    "artist_begin_date": ("artist_begin_date", "artist_birth_date", "birth_date", "born"),
    "artist_end_date": ("artist_end_date", "artist_death_date", "death_date", "died"),
    "artist_ulan": ("artist_ulan_url", "artist_ulan", "ulan_url", "ulan_id", "ulan"),
    "artist_wikidata": ("artist_wikidata_url", "artist_wikidata", "wikidata_url", "wikidata"),
    "artist_rkd": ("artist_rkd_url", "artist_rkd", "rkd_url", "rkd_id", "rkd"),
}  # fmt: skip


def row_artist_facts(cells: dict[str, str], artist: str, source: str) -> ArtistFacts | None:
    """What one row states about its artist (`cells` by target), or None when nothing."""
    ref = parse_artist(artist.split("|")[0])
    if not ref.is_person:
        return None
    bio = cells.get("artist_bio", "").split("|")[0].strip()
    life = merge_life(
        merge_life(parse_life_dates(artist), parse_life_dates(bio)),
        life_from_begin_end(cells.get("artist_begin_date"), cells.get("artist_end_date"), bio),
    )
    ids = AuthorityIds(
        ulan=parse_authority("ulan", cells.get("artist_ulan")),
        wikidata=parse_authority("wikidata", cells.get("artist_wikidata")),
        rkd=parse_authority("rkd", cells.get("artist_rkd")),
    )
    if (life is None or life.is_empty) and ids.is_empty:
        return None
    return ArtistFacts(ref.key, ref.name, life or ArtistFacts(ref.key, ref.name).life, ids, source)
