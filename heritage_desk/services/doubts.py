"""Possible mistakes (issue 17 item 7): recorded artists the model strongly doubts.

Like FiftyOne's "mistakenness": for every work whose record names a painter the model knows
(imported, accepted or typed), the model's probability of that painter given the image, the
known fields and the known date. A low probability beside a confident other outcome is worth a
second look; it never changes a value. Painters the model does not know are not judged (it
cannot tell their hand), nor qualified lines ("Follower of X" is not X's hand).

`judge` is the one rule: the window's background pass stores its doubts for the collection
view's "Possible mistakes" filter and sort, and the CLI's `doubts` lists those below the bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from heritage_desk.core.model import DOUBT_BELOW, UNKNOWN_ARTIST, Asset, Doubt, Field
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.suggestion_model import artist_ref
from heritage_desk.services.suggestions import SuggestionService, known_context, known_years

if TYPE_CHECKING:
    import numpy as np

    from heritage_desk.ml.predictor import Predictor

#: Works read per model call.
_BATCH = 512


def judged(p: Predictor, assets: Sequence[Asset]) -> list[tuple[int, int]]:
    """(position in `assets`, the recorded painter's index in the model's vocabulary) of the
    works whose recorded artist the model can judge: a person it knows, with no qualifier."""
    index = {artist_ref(a).key: j for j, a in enumerate(p.vocab.artists)}
    out = []
    for i, a in enumerate(assets):
        ref = artist_ref(a.value(Field.ARTIST) or "")
        if ref.is_person and ref.qualifier is None and ref.key in index:
            out.append((i, index[ref.key]))
    return out


def judge(
    p: Predictor, assets: Sequence[Asset], feats: np.ndarray, names: dict[str, str]
) -> list[Doubt]:
    """The model's doubt about each judged work of `assets` (`feats`: their embeddings, in
    order). Call `trust.apply` on the predictor first, as for suggestions."""
    import numpy as np

    picks = judged(p, assets)
    if not picks:
        return []
    rows = np.asarray([i for i, _ in picks])
    kept = [assets[i] for i, _ in picks]
    pa, pu, _ = p.open_probabilities(
        feats[rows], [known_context(a) for a in kept], known_years(kept)
    )
    out = []
    for k, (a, (_, j)) in enumerate(zip(kept, picks, strict=True)):
        others = pa[k].copy()
        others[j] = -1.0
        best = int(np.argmax(others))
        if pu[k] >= others[best]:
            alt, alt_p = UNKNOWN_ARTIST, float(pu[k])
        else:
            name = p.vocab.artists[best]
            alt, alt_p = names.get(artist_ref(name).key, name), float(others[best])
        recorded = a.value(Field.ARTIST) or ""
        out.append(Doubt(a.id, a.image_path, recorded, float(pa[k, j]), alt, alt_p, p.version))
    return out


def possible_mistakes(
    svc: SuggestionService, below: float = DOUBT_BELOW, query: AssetQuery | None = None
) -> list[Doubt]:
    """Recorded artists the model gives less than `below`, most doubted first."""
    p = svc.predictor()
    if p is None:
        return []
    names = svc.artist_names()
    assets = list(svc.all_assets(query or AssetQuery(missing_artist=False)))
    assets = [assets[i] for i, _ in judged(p, assets)]
    svc.trust.apply(p, svc)
    out: list[Doubt] = []
    for start in range(0, len(assets), _BATCH):
        batch = assets[start : start + _BATCH]
        feats, found = svc.embeddings(batch)
        have = [a for a, ok in zip(batch, found, strict=True) if ok]
        if have:
            doubts = judge(p, have, feats[found.astype(bool)], names)
            out += [d for d in doubts if d.recorded_probability < below]
    return sorted(out, key=lambda d: d.recorded_probability)
