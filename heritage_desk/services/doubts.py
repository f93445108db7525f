"""Possible mistakes (issue 17 item 7): recorded artists the model strongly doubts.

Like FiftyOne's "mistakenness": for every work whose record names a painter the model knows
(imported, accepted or typed), the model's probability of that painter given the image, the
known fields and the known date. A low probability beside a confident other outcome is worth a
second look; it never changes a value. Painters the model does not know are not judged (it
cannot tell their hand), nor qualified lines ("Follower of X" is not X's hand).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from heritage_desk.core.model import UNKNOWN_ARTIST, Asset, Field
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.suggestion_model import artist_ref
from heritage_desk.services.suggestions import SuggestionService, known_context, known_years

#: A recorded painter the model gives less than this is a possible mistake.
DOUBT_BELOW = 0.05
#: Works read per model call.
_BATCH = 512


@dataclass(frozen=True)
class Doubt:
    """One recorded artist the model doubts, and what it would say instead."""

    asset_id: int
    image_path: str
    recorded: str
    recorded_probability: float
    alternative: str  # a painter's name, or "none of the painters I know"
    alternative_probability: float


def possible_mistakes(
    svc: SuggestionService, below: float = DOUBT_BELOW, query: AssetQuery | None = None
) -> list[Doubt]:
    """Recorded artists the model gives less than `below`, most doubted first."""
    p = svc.predictor()
    if p is None:
        return []
    names = svc.artist_names()
    index = {artist_ref(a).key: j for j, a in enumerate(p.vocab.artists)}
    judged: list[tuple[Asset, int]] = []
    for a in svc.all_assets(query or AssetQuery(missing_artist=False)):
        ref = artist_ref(a.value(Field.ARTIST) or "")
        if ref.is_person and ref.qualifier is None and ref.key in index:
            judged.append((a, index[ref.key]))
    svc.trust.apply(p, svc.embeddings)
    out: list[Doubt] = []
    for start in range(0, len(judged), _BATCH):
        out += _judge(svc, judged[start : start + _BATCH], names, below)
    return sorted(out, key=lambda d: d.recorded_probability)


def _judge(
    svc: SuggestionService, batch: Sequence[tuple[Asset, int]], names: dict[str, str], below: float
) -> list[Doubt]:
    import numpy as np

    p = svc.predictor()
    assert p is not None
    assets = [a for a, _ in batch]
    feats, found = svc.embeddings(assets)
    rows = [i for i in range(len(assets)) if found[i]]
    if not rows:
        return []
    kept = [assets[i] for i in rows]
    contexts = [known_context(a) for a in kept]
    pa, pu, _ = p.open_probabilities(feats[np.asarray(rows)], contexts, known_years(kept))
    out = []
    for k, i in enumerate(rows):
        a, j = batch[i]
        mine = float(pa[k, j])
        if mine >= below:
            continue
        others = pa[k].copy()
        others[j] = -1.0
        best = int(np.argmax(others))
        if pu[k] >= others[best]:
            alt, alt_p = UNKNOWN_ARTIST, float(pu[k])
        else:
            name = p.vocab.artists[best]
            alt, alt_p = names.get(artist_ref(name).key, name), float(others[best])
        out.append(Doubt(a.id, a.image_path, a.value(Field.ARTIST) or "", mine, alt, alt_p))
    return out
