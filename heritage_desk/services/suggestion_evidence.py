"""Evidence for a suggested artist: the confirmed works most similar to an asset (cosine).

Confirmed works and their normalised embeddings are cached per artist until cleared (the
suggestion service clears them whenever suggestions, fields or assets change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from heritage_desk.core.model import Asset, Field
from heritage_desk.core.names import evidence_weight, split_qualifier
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.suggestion_model import artist_ref
from heritage_desk.storage.catalogue import Catalogue

if TYPE_CHECKING:
    import numpy as np

#: Cached embeddings [N,D] of some assets and a mask of those found.
Embeddings = Callable[[Sequence[Asset]], "tuple[np.ndarray, np.ndarray]"]


@dataclass(frozen=True)
class SimilarWork:
    """A confirmed work that resembles an asset: evidence for one suggested artist."""

    asset_id: int
    image_path: str
    checksum: str
    title: str | None
    similarity: float
    #: The record's attribution ("attributed to"), None for the painter's own hand; its
    #: core.names.evidence_weight ranks the work below an equally similar sure one.
    qualifier: str | None = None


class EvidenceIndex:
    """Confirmed works per artist with unit-length embeddings, kept until `clear`."""

    def __init__(
        self,
        catalogue: Catalogue,
        embeddings: Embeddings,
        assets: Callable[[AssetQuery], Iterable[Asset]],
    ) -> None:
        self.catalogue = catalogue
        self._embeddings = embeddings
        self._assets = assets
        self._works: dict[str, tuple[list[Asset], np.ndarray, list[str | None]]] = {}

    def clear(self) -> None:
        """Forget every cached artist (the catalogue or the model changed)."""
        self._works.clear()

    def confirmed_works(self, artist: str) -> tuple[list[Asset], np.ndarray, list[str | None]]:
        """The works the catalogue gives to the person `artist` names that have embeddings,
        those embeddings, and the attribution each is given with (None: the person's own
        hand; a qualifier whose core.names.evidence_weight is 0, "after X", is another hand
        and left out). For "attributed to X" the same: X's works."""
        import numpy as np

        key = artist_ref(artist).key
        if key not in self._works:
            given = [
                (w, artist_ref(w.value(Field.ARTIST) or "").qualifier)
                for w in self._assets(AssetQuery(person=split_qualifier(artist)[1]))
            ]
            given = [(w, q) for w, q in given if evidence_weight(q) > 0]
            feats, found = self._embeddings([w for w, _ in given])
            kept = [g for g, ok in zip(given, found, strict=True) if ok]
            f = feats[found]
            f /= np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-8)
            self._works[key] = ([w for w, _ in kept], f, [q for _, q in kept])
        return self._works[key]

    def evidence(
        self, asset_id: int, artists: Sequence[str] | None = None, k: int = 3
    ) -> dict[str, list[SimilarWork]]:
        """The `k` confirmed works most similar to the asset, per suggested artist (cosine)."""
        import numpy as np

        asset = self.catalogue.get_asset(asset_id)
        if artists is None:
            artists = [s.value for s in self.catalogue.suggestions(asset_id, Field.ARTIST)]
        feats, found = self._embeddings([asset])
        if not found[0]:
            return {a: [] for a in artists}
        q = feats[0] / max(float(np.linalg.norm(feats[0])), 1e-8)
        out: dict[str, list[SimilarWork]] = {}
        for artist in artists:
            works, f, given = self.confirmed_works(artist)
            sims = f @ q if len(works) else np.zeros(0)
            # A qualified work is weaker evidence: its similarity counts by its weight.
            weights = np.array([evidence_weight(g) for g in given])
            order = [i for i in np.argsort(-sims * weights) if works[i].id != asset_id][:k]
            out[artist] = [
                SimilarWork(
                    works[i].id,
                    works[i].image_path,
                    works[i].checksum,
                    works[i].title,
                    float(sims[i]),
                    given[i],
                )
                for i in order
            ]
        return out
