"""The window's suggestion pipeline, split by thread: gather and store on the catalogue
executor, predict (torch) on the inference thread. workers.inference drives it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from heritage_desk.core.model import Asset, Changes, Doubt, Field, Suggestion
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken

if TYPE_CHECKING:
    from heritage_desk.ml.embeddings import Embedder
    from heritage_desk.services.desk import Desk
    from heritage_desk.services.suggestion_model import ModelInUse
    from heritage_desk.services.suggestions import SuggestionService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outputs:
    """What predict returns and store writes: each asset's new suggestions, and the model's doubt
    about the recorded artist of the batch's other works (the "Possible mistakes" filter)."""

    suggestions: dict[int, list[Suggestion]] = field(default_factory=dict)
    judged: tuple[int, ...] = ()  # the works whose recorded artist was judged: doubts replaced
    doubts: tuple[Doubt, ...] = ()


@dataclass(frozen=True)
class Batch:
    """What the inference thread needs for a batch, read from the catalogue on the executor."""

    assets: list[Asset]  # every asset of the batch: each gets an embedding
    needs: list[bool]  # which of them lack an artist or a date: those get suggestions
    files: list[str]
    model: ModelInUse | None
    names: dict[str, str]
    service: SuggestionService


def _readable(path: str) -> bool:
    """False (logged) for a named pipe or device in place of an image: reading one blocks."""
    from heritage_desk.storage.images import not_a_file

    reason = not_a_file(path)
    if reason:
        log.info("cannot embed %s: %s", path, reason)
    return reason is None


class InferenceEngine:
    """gather (executor) -> predict (inference thread, torch) -> store (executor)."""

    def __init__(self, device: str | None = None, num_threads: int | None = None) -> None:
        self.device = None if device in (None, "auto") else device
        self.num_threads = num_threads
        self._embedder: Embedder | None = None

    @property
    def device_kind(self) -> str | None:
        """ "cpu" or "cuda" once the first batch chose a device; None before."""
        return self._embedder.device.type if self._embedder is not None else None

    def warm_up(self) -> None:
        """Inference thread, at start: import torch and the model code once, off the executor."""
        import heritage_desk.ml.embeddings
        import heritage_desk.ml.predictor
        import heritage_desk.services.suggestions  # noqa: F401

    def gather(self, desk: Desk, asset_ids: Sequence[int]) -> Batch:
        return desk.suggestion_batch(asset_ids)

    def predict(self, batch: Batch, cancel: CancelToken) -> Outputs:
        if batch.model is None or not batch.assets:
            return Outputs()
        import numpy as np

        from heritage_desk.ml.embeddings import Embedder
        from heritage_desk.services.doubts import judge

        svc = batch.service
        # The service's own loading (one place, with its fallback); it reads no catalogue.
        p = svc.load_for(batch.model)
        views = tuple(p.trained.views)
        if self._embedder is None or self._embedder.backbone != p.backbone:
            self._embedder = Embedder(
                p.backbone, views, cache=svc.cache, weights=svc.weights,
                num_threads=self.num_threads, device=self.device,
            )  # fmt: skip
        checks = [a.checksum for a in batch.assets]
        _, found = svc.cache.get_many(checks, p.backbone, views)
        todo = [i for i, ok in enumerate(found) if not ok and _readable(batch.files[i])]
        if todo:
            cancel.raise_if_cancelled()
            self._embedder.embed_files(
                [batch.files[i] for i in todo],
                checksums=[checks[i] for i in todo],
                cancel=cancel,
                on_error=lambda path, exc: log.info("cannot embed %s: %s", path, exc),
            )
        feats, found = svc.cache.get_many(checks, p.backbone, views)
        names = {parse_artist(n).key: n for n in p.vocab.artists}
        names.update(batch.names)
        use = np.asarray([ok and need for ok, need in zip(found, batch.needs, strict=True)], bool)
        have = [a for a, ok in zip(batch.assets, use, strict=True) if ok]
        suggestions = dict(svc.suggest_with(p, have, feats[use], names)) if have else {}
        # The works with a recorded artist: how much the model believes it (services.doubts).
        recorded = np.asarray([bool(ok) and a.value(Field.ARTIST) is not None
                               for a, ok in zip(batch.assets, found, strict=True)])  # fmt: skip
        judged = [a for a, ok in zip(batch.assets, recorded, strict=True) if ok]
        if not judged:
            return Outputs(suggestions)
        if not have:  # else suggest_with has applied the catalogue's facts already
            svc.trust.apply(p, svc)
        doubts = judge(p, judged, feats[recorded], names)
        return Outputs(suggestions, tuple(a.id for a in judged), tuple(doubts))

    def store(self, desk: Desk, outputs: Outputs) -> Changes:
        return desk.store_suggestions(outputs)
