"""What makes suggestions hold on this catalogue: its confirmed works and its painters' lives.

Two facts are gathered from the catalogue (on the database thread, `gather`) and applied to a
loaded model (on the inference thread, `apply`):

- the catalogue's confirmed works, to measure a starter model's stated figures on them
  ("none of the painters I know" and year-range shares). The starter never learned from
  them, so every confirmed work is a held-out work for it; a retrained model carries its own
  fit, made by the retrain child on the works it held out.
- the life dates its artist lines carry ("Claude Monet (French, 1840-1926)"), as working
  windows (core.lifespan): a dated work is not given to a painter who did not work then, and
  the date suggested with a painter falls inside that window.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from heritage_desk.core.lifespan import Window, life_window
from heritage_desk.core.model import Asset, Field
from heritage_desk.core.names import by_own_hand, parse_artist
from heritage_desk.core.query import AssetQuery
from heritage_desk.core.yearbins import middle_year
from heritage_desk.services.suggestion_model import artist_ref
from heritage_desk.storage.catalogue import Catalogue

if TYPE_CHECKING:
    import numpy as np

    from heritage_desk.ml.predictor import Predictor
    from heritage_desk.ml.reliability import Reliability

#: Confirmed works a starter is measured on at most (a sample of a large catalogue).
MAX_ROWS = 2000
#: While some confirmed works have no embedding yet, a fit is made again when they all have one,
#: or once this many times the seconds it took have passed (at least REMEASURE_MIN_S) and more
#: have one: the window embeds them as it goes, and a fit costs it under a twentieth of its time.
REMEASURE_FACTOR = 20.0
REMEASURE_MIN_S = 1.0

#: Words a museum line puts before a year: "active from 1427–died 1452", "1430/35–before 1495".
_BEFORE_FROM = r"(?:(?:c\.|ca\.|from|born)\s*)*"
_BEFORE_TO = r"(?:(?:c\.|ca\.|died|d\.|before|after)\s*)*"
_LIFE = re.compile(
    r"(?P<active>active|fl\.|flourished)?\s*" + _BEFORE_FROM + r"(?P<a>\d{3,4})(?:/\d{1,2})?"
    r"\s*[-\u2010-\u2015]\s*" + _BEFORE_TO + r"(?P<b>\d{2,4})(?:/\d{1,2})?"
)


def life_window_of(text: str | None) -> Window | None:
    """The working window the life dates of an artist cell give, if it states them."""
    if not text or "(" not in text:
        return None
    inner = text[text.index("(") + 1 :]
    m = _LIFE.search(inner)
    if m is None:
        return None
    a, b = int(m.group("a")), m.group("b")
    hi = int(b) if len(b) == 4 else int(str(a)[: 4 - len(b)] + b)
    if hi < a:
        return None
    if m.group("active"):
        return life_window(None, None, a, hi)
    return life_window(a, hi)


def window_of_line(text: str | None) -> Window | None:
    """The window an artist cell binds a work's date to: its painter's, unless the cell says
    the work is only after or in the manner of them ("after X", "follower of X")."""
    if not text:
        return None
    return life_window_of(text) if by_own_hand(parse_artist(text).qualifier) else None


@dataclass
class CatalogueFacts:
    """Confirmed works (a sample) and artists' working windows, read from one catalogue."""

    assets: list[Asset] = field(default_factory=list)
    windows: dict[str, Window] = field(default_factory=dict)  # artist key -> window


class Features(Protocol):
    """Where the catalogue's image features are read (SuggestionService)."""

    def embeddings(self, assets: Sequence[Asset]) -> tuple[np.ndarray, np.ndarray]: ...

    def count_embedded(self, assets: Sequence[Asset]) -> int: ...


@dataclass(frozen=True)
class _Fitted:
    """A starter's fit on this catalogue, made on `found` of its `total` confirmed works (the
    others had no embedding yet), at `at`, in `took` seconds."""

    reliability: Reliability
    found: int
    total: int
    at: float
    took: float

    def still_good(self, now: float, embedded: Callable[[], int]) -> bool:
        """Kept once every work was found, or while no more are embedded; made again as soon
        as all are, else after REMEASURE_FACTOR x its seconds (the window embeds as it goes)."""
        if self.found >= self.total:
            return True
        count = embedded()
        if count == self.found:
            return True
        return count < self.total and now - self.at < max(
            REMEASURE_MIN_S, REMEASURE_FACTOR * self.took
        )


class CatalogueTrust:
    """Gathers CatalogueFacts once (until the fields change) and fits a starter on them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._facts: CatalogueFacts | None = None
        self._counts: tuple[int, int] | None = None
        self._fitted: dict[str, _Fitted] = {}  # model version -> the fit applied

    def gather(self, catalogue: Catalogue) -> CatalogueFacts:
        """Read the confirmed works and life dates (database thread), again only when the
        number of works with an artist or a date changed (two counts in SQL)."""
        counts = (
            catalogue.count_assets(AssetQuery(missing_artist=False)),
            catalogue.count_assets(AssetQuery(missing_date=False)),
        )
        with self._lock:
            if self._facts is not None and self._counts == counts:
                return self._facts
        ids: set[int] = set()
        for q in (AssetQuery(missing_artist=False), AssetQuery(missing_date=False)):
            ids.update(catalogue.asset_ids(q))
        ordered = sorted(ids)
        if len(ordered) > MAX_ROWS:  # an even sample, the same at every call
            step = len(ordered) / MAX_ROWS
            ordered = [ordered[int(i * step)] for i in range(MAX_ROWS)]
        assets = list(catalogue.get_assets(ordered)) if ordered else []
        windows: dict[str, Window] = {}
        for a in assets:
            text = a.value(Field.ARTIST)
            w = life_window_of(text)
            ref = parse_artist(text or "")
            if w is not None and ref.is_person:
                windows.setdefault(ref.key, w)
        facts = CatalogueFacts(assets, windows)
        with self._lock:
            self._facts, self._counts = facts, counts
            self._fitted.clear()  # measure the model on these works again
        return facts

    def facts(self) -> CatalogueFacts:
        with self._lock:
            return self._facts or CatalogueFacts()

    def apply(self, p: Predictor, features: Features) -> None:
        """Give `p` the catalogue's life dates and, for a starter, the catalogue's own fit."""
        facts = self.facts()
        p.set_life_dates(_names(p, facts.windows))
        fits = (p.trained.reliability.open_set, p.trained.reliability.ranges)
        if any(f is not None and f.source == "catalogue" for f in fits) or not facts.assets:
            return  # a retrained model was measured on this catalogue's held-out works
        with self._lock:
            kept = self._fitted.get(p.version)
        if kept is not None and kept.still_good(
            time.monotonic(), lambda: features.count_embedded(facts.assets)
        ):
            p.reliability = kept.reliability
            return
        t0 = time.monotonic()
        rel, found = measure_on_catalogue(
            p, facts.assets, features.embeddings, self.window_for_asset
        )
        p.reliability = rel
        now = time.monotonic()
        with self._lock:
            self._fitted[p.version] = _Fitted(rel, found, len(facts.assets), now, now - t0)

    def window_for_asset(self, a: Asset) -> Window | None:
        """The working window of the artist the record names, from its life dates."""
        text = a.value(Field.ARTIST)
        if text is None:
            return None
        return window_of_line(text) or self.facts().windows.get(parse_artist(text).key)


def figure_words(rel: Reliability | None) -> tuple[str, str]:
    """Where a model's stated artist ("none of the painters I know") and year-range figures
    were measured, in words: "this catalogue (n=40)" or "starter prior (n=690)" (issue 17
    item 2); each suggestion keeps its own (Suggestion.figures)."""
    words = {"catalogue": "this catalogue", "training": "starter prior"}
    fits = (rel.open_set if rel else None, rel.ranges if rel else None)
    out = [f"{words.get(f.source, f.source)} (n={f.n})" if f else "starter prior" for f in fits]
    return out[0], out[1]


def dating_artist(a: Asset) -> str | None:
    """The recorded artist whose works date this one, when it is by their hand (by_own_hand):
    X, "attributed to X", "X and workshop"; not a follower, a copy after X, a school. The
    same for suggestions and for measuring how often their ranges hold."""
    text = a.value(Field.ARTIST)
    if text is None:
        return None
    ref = artist_ref(text)
    return text if ref.key and by_own_hand(ref.qualifier) else None


def _names(p: Predictor, windows: dict[str, Window]) -> dict[str, Window]:
    """Windows keyed by the model's own artist names (matched by person key)."""
    keys = {parse_artist(a).key: a for a in p.vocab.artists}
    return {keys[k]: w for k, w in windows.items() if k in keys}


def measure_on_catalogue(
    p: Predictor,
    assets: Sequence[Asset],
    embeddings: Callable[[Sequence[Asset]], tuple[np.ndarray, np.ndarray]],
    window_of: Callable[[Asset], Window | None],
) -> tuple[Reliability, int]:
    """The starter's stated figures measured on the catalogue's confirmed works, each dated
    as its suggestion would be: by the artist its record names (`dating_artist`), held to
    that artist's working window (`window_of`); and how many of them had an embedding."""
    from heritage_desk.ml.data import Example
    from heritage_desk.ml.evaluate import measure_reliability

    feats, found = embeddings(assets)
    examples, novel, rows, windows, dated_by = [], [], [], [], []
    vocab_keys = {parse_artist(a).key for a in p.vocab.artists}
    for i, a in enumerate(assets):
        if not found[i]:
            continue
        artist = None
        is_novel = False
        text = a.value(Field.ARTIST)
        if text:
            ref = parse_artist(text)
            if ref.anonymous:  # "Netherlandish": a painter no model can name
                artist, is_novel = "anonymous", True
            elif ref.qualifier is None:
                artist, is_novel = ref.name, ref.key not in vocab_keys
            elif ref.key not in vocab_keys:  # "attributed to" someone it does not know
                artist, is_novel = ref.name, True
        fv = a.fields.get(Field.DATE)
        # The middle of the recorded range however wide ("17th century": 1650): a range
        # "holds" a date as the curator reads it. (Training drops ranges over MAX_LABEL_SPAN.)
        year = middle_year(fv.year_from, fv.year_to) if fv is not None else None
        if artist is None and year is None:
            continue
        examples.append(
            Example(
                a.image_path,
                artist,
                year,
                genre=a.value(Field.GENRE),
                style=a.value(Field.STYLE),
                medium=a.value(Field.MEDIUM),
                title=a.title,
            )
        )
        novel.append(is_novel)
        rows.append(i)
        windows.append(window_of(a))
        dated_by.append(dating_artist(a))
    import numpy as np

    rel = measure_reliability(
        p,
        examples,
        feats[np.asarray(rows, dtype=np.int64)],
        np.asarray(novel, dtype=bool),
        "catalogue",
        prior=p.trained.reliability,
        windows=windows,
        dated_by=dated_by,
    )
    return rel, int(np.count_nonzero(found))
