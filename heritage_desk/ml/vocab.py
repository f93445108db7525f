"""Vocabularies: artist names, metadata values, decade bins and each artist's active years."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import torch

from heritage_desk.core.names import parse_artist
from heritage_desk.core.yearbins import BIN_WIDTH, decade
from heritage_desk.ml.data import Example
from heritage_desk.ml.model import IGNORE, META_FIELDS, UNKNOWN

#: The first decade every model can suggest (museum collections reach back to here).
FIRST_DECADE = 1200


def normalize_name(name: str) -> str:
    """A spelling-insensitive key: 'Pierre-Auguste Renoir' and 'pierre auguste renoir' match."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\W_]+", " ", s).strip()


@lru_cache(maxsize=65536)
def artist_key(name: str) -> str:
    """Who a name means, as everywhere else in the app (core.names): a museum's line
    "Claude Monet (French, 1840-1926)" is the starter's "Claude Monet", one class, not two."""
    return parse_artist(name).key or normalize_name(name)


@dataclass
class Vocab:
    """What the label indices of a model mean."""

    artists: list[str]
    meta: dict[str, list[str]]  # per field, values for slots 1..n (slot 0 = unknown)
    decades: list[int]  # first year of each decade bin, contiguous
    active_years: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Dated works seen per artist and decade: p(decade | artist) when a curator knows the date.
    decade_counts: dict[str, dict[int, int]] = field(default_factory=dict)
    _artist_index: dict[str, int] = field(default_factory=dict, repr=False)
    _meta_index: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._artist_index = {artist_key(a): i for i, a in enumerate(self.artists)}
        self._meta_index = {
            f: {normalize_name(v): i + 1 for i, v in enumerate(vals)}
            for f, vals in self.meta.items()
        }

    @classmethod
    def build(
        cls, examples: Sequence[Example], base: Vocab | None = None, first_decade: int | None = None
    ) -> Vocab:
        """Vocabularies of the examples; with `base`, its entries keep their indices first.

        With `first_decade` (the starter: FIRST_DECADE) the bins span at least from it to
        today; a retrain keeps its base's span (so the shipped starter's 1200-today)."""
        artists = list(base.artists) if base else []
        seen = {artist_key(a) for a in artists}
        meta = {f: list(base.meta.get(f, [])) if base else [] for f in META_FIELDS}
        meta_seen = {f: {normalize_name(v) for v in meta[f]} for f in META_FIELDS}
        years: dict[str, list[int]] = {}
        for ex in examples:
            if ex.artist and artist_key(ex.artist) not in seen:
                seen.add(artist_key(ex.artist))
                artists.append(ex.artist)
            for f in META_FIELDS:
                v = getattr(ex, f)
                if v and normalize_name(v) not in meta_seen[f]:
                    meta_seen[f].add(normalize_name(v))
                    meta[f].append(v)
            if ex.artist and ex.year is not None:
                years.setdefault(artist_key(ex.artist), []).append(ex.year)
        all_years = [y for ys in years.values() for y in ys] + (
            [base.decades[0], base.decades[-1]] if base and base.decades else []
        )
        if all_years:
            # Bins span at least FIRST_DECADE to today, so a catalogue of older (or newer)
            # works can be dated: bins nobody trained on stay unlikely until a retrain.
            lo, hi = decade(min(all_years)), decade(max(all_years))
            if first_decade is not None:
                lo, hi = min(lo, first_decade), max(hi, decade(date.today().year))
            decades = list(range(lo, hi + BIN_WIDTH, BIN_WIDTH))
        else:
            decades = [0]
        active = dict(base.active_years) if base else {}
        for a in artists:
            ys = years.get(artist_key(a))
            if ys:
                old = active.get(a)
                lo_y, hi_y = min(ys), max(ys)
                if old:
                    lo_y, hi_y = min(lo_y, old[0]), max(hi_y, old[1])
                active[a] = (lo_y, hi_y)
        counts = {a: dict(c) for a, c in base.decade_counts.items()} if base else {}
        for a in artists:
            for y in years.get(artist_key(a), []):
                row = counts.setdefault(a, {})
                row[decade(y)] = row.get(decade(y), 0) + 1
        return cls(artists, meta, decades, active, counts)

    def artist_index(self, name: str | None) -> int | None:
        """Index of an artist, matched by person (artist_key); None when unknown."""
        return self._artist_index.get(artist_key(name)) if name else None

    def meta_index(self, f: str, value: str | None) -> int:
        """Slot of a metadata value; UNKNOWN for None or a value never seen in training."""
        return self._meta_index.get(f, {}).get(normalize_name(value), UNKNOWN) if value else UNKNOWN

    def decade_index(self, year: int | None) -> int:
        """Bin of a year (years outside the range go to the nearest end bin); IGNORE if None."""
        if year is None:
            return IGNORE
        i = (decade(year) - self.decades[0]) // BIN_WIDTH
        return int(min(max(i, 0), len(self.decades) - 1))

    def meta_sizes(self) -> dict[str, int]:
        return {f: len(self.meta.get(f, [])) + 1 for f in META_FIELDS}

    def encode_meta(self, contexts: Sequence[dict[str, str | None]]) -> torch.Tensor:
        """[B,3] metadata slot indices for context dicts (missing keys = unknown)."""
        rows = [[self.meta_index(f, c.get(f)) for f in META_FIELDS] for c in contexts]
        return torch.tensor(rows, dtype=torch.long).reshape(len(rows), len(META_FIELDS))

    def encode(
        self, examples: Sequence[Example]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Artist targets, decade targets (IGNORE where unknown) and metadata indices."""
        artist = [self.artist_index(e.artist) for e in examples]
        a = torch.tensor([IGNORE if i is None else i for i in artist], dtype=torch.long)
        d = torch.tensor([self.decade_index(e.year) for e in examples], dtype=torch.long)
        m = self.encode_meta([{f: getattr(e, f) for f in META_FIELDS} for e in examples])
        return a, d, m

    def to_dict(self) -> dict[str, Any]:
        return {
            "artists": self.artists,
            "meta": self.meta,
            "decades": self.decades,
            "active_years": {a: list(v) for a, v in self.active_years.items()},
            "decade_counts": {
                a: {str(d): n for d, n in sorted(c.items())} for a, c in self.decade_counts.items()
            },
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Vocab:
        artists = [str(a) for a in d["artists"]]
        meta = {str(f): [str(v) for v in vals] for f, vals in d["meta"].items()}
        decades = [int(x) for x in d["decades"]]
        active = {str(a): (int(v[0]), int(v[1])) for a, v in d.get("active_years", {}).items()}
        counts = {
            str(a): {int(k): int(n) for k, n in c.items()}
            for a, c in d.get("decade_counts", {}).items()
        }
        if any(n < 0 for c in counts.values() for n in c.values()):
            raise ValueError("negative decade counts")
        return cls(artists, meta, decades, active, counts)
