"""What a view asks of the catalogue: filters, search, sort and a page, done in SQL."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class Sort(enum.StrEnum):
    """Orders for the collection view."""

    ID = "id"
    TITLE = "title"
    ARTIST = "artist"
    # By the best *named* artist suggestion; where "none of the painters I know" leads, that is 0.
    CONFIDENCE = "confidence"  # most confident named suggestion first
    UNCERTAINTY = "uncertainty"  # least confident first: unknown painters head the list
    # By how little the model believes the recorded artist (possible mistakes first).
    DOUBT = "doubt"


@dataclass(frozen=True)
class AssetQuery:
    """A filtered, sorted page of assets. None means 'any'."""

    missing_artist: bool | None = None
    missing_date: bool | None = None
    has_suggestions: bool | None = None
    reviewed: bool | None = None
    flagged: bool | None = None  # flagged for an expert
    unknown_painter: bool | None = None  # "none of the painters I know" leads the artist
    #: The recorded artist is one the model gives less than core.model.DOUBT_BELOW.
    possible_mistake: bool | None = None
    #: The person `person` names, under any attribution ("attributed to X", "workshop of X").
    person: str | None = None
    #: Written so, or the same person with the same attribution (any spelling).
    artist: str | None = None
    genre: str | None = None
    style: str | None = None
    medium: str | None = None
    text: str | None = None  # matches title, inventory number or artist
    sort: Sort = Sort.ID
    descending: bool = False
    offset: int = 0
    limit: int | None = None

    def page(self, offset: int, limit: int) -> AssetQuery:
        return replace(self, offset=offset, limit=limit)
