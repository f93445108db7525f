"""The confirmed labels a retrain learns from: manifest items, artwork groups, the holdout.

Parent side only (it reads the catalogue); the child gets the result in a Manifest.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from heritage_desk.core.model import Field
from heritage_desk.core.names import evidence_weight, parse_artist
from heritage_desk.core.query import AssetQuery
from heritage_desk.core.yearbins import label_year
from heritage_desk.services.retrain_manifest import ManifestItem
from heritage_desk.services.suggestion_trust import window_of_line as trust_window
from heritage_desk.services.suggestions import SuggestionService
from heritage_desk.storage.catalogue import Catalogue

_PAGE = 2000
_TRAILING_DIGITS = re.compile(r"[\s\-_]*\d+$")


def artwork_group(artist_key: str, title: str | None, image_path: str) -> str:
    """Artist + title with trailing digits stripped (copies of one painting share it)."""
    stem = title or Path(image_path).stem
    return artist_key + "|" + _TRAILING_DIGITS.sub("", stem.lower()).strip()


def is_holdout(group: str, fraction: float) -> bool:
    """A stable choice per artwork: the same items are held out at every retrain."""
    h = int.from_bytes(hashlib.sha256(group.encode()).digest()[:8], "big")
    return (h / 2**64) < fraction


def confirmed_items(
    catalogue: Catalogue, suggestions: SuggestionService, holdout_fraction: float
) -> list[ManifestItem]:
    """Every confirmed artist or year in the catalogue (imported, accepted, edited)."""
    names = suggestions.artist_names()
    cache = suggestions.cache
    backbone, views = suggestions.backbone, suggestions.views
    out: list[ManifestItem] = []
    ids: set[int] = set()
    for q in (AssetQuery(missing_artist=False), AssetQuery(missing_date=False)):
        ids.update(catalogue.asset_ids(q))
    ordered = sorted(ids)
    for start in range(0, len(ordered), _PAGE):
        for a in catalogue.get_assets(ordered[start : start + _PAGE]):
            artist = None
            art = a.fields.get(Field.ARTIST)
            key = ""
            weight = 1.0
            if art is not None:
                ref = parse_artist(art.value)
                # "Attributed to X" is weaker evidence of X's hand, "After X" none; an
                # anonymous culture names no painter.
                hand = evidence_weight(ref.qualifier) if ref.is_person else 0.0
                if hand > 0:
                    key, artist, weight = ref.key, names.get(ref.key, ref.name), hand
            date = a.fields.get(Field.DATE)
            year = label_year(date.year_from, date.year_to) if date is not None else None
            if artist is None and year is None:
                continue
            group = artwork_group(key, a.title, a.image_path)
            files = [
                str(cache.path(a.checksum, backbone, v).relative_to(cache.root)) for v in views
            ]
            out.append(
                ManifestItem(
                    checksum=a.checksum,
                    artist=artist,
                    year=year,
                    genre=a.value(Field.GENRE),
                    style=a.value(Field.STYLE),
                    medium=a.value(Field.MEDIUM),
                    title=a.title,
                    group=group,
                    holdout=is_holdout(group, holdout_fraction),
                    files=files,
                    window=list(w) if (w := trust_window(art.value if art else None)) else None,
                    weight=weight,
                )
            )
    return out
