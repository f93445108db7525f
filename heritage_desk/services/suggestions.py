"""Suggestions: embed what is missing, predict artist and date with the active model, evidence.

Qt-free and torch-lazy: torch loads on the first embedding or prediction, so a worker thread
(not the GUI thread) pays for it. Every method does short catalogue transactions in batches
and checks its CancelToken between batches. Which model is used and how it is loaded is in
suggestion_model; the similar-works evidence in suggestion_evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from heritage_desk import config
from heritage_desk.core.model import (
    CONTEXT_FIELDS,
    PREDICTED_FIELDS,
    Asset,
    Changes,
    Field,
    Suggestion,
    needs_value,
)
from heritage_desk.core.progress import (
    Cancelled,
    CancelToken,
    Progress,
    ProgressCallback,
    no_progress,
)
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.image_paths import image_roots, resolve_image
from heritage_desk.services.model_store import ModelStore, ModelUnavailableError
from heritage_desk.services.suggestion_evidence import EvidenceIndex, SimilarWork
from heritage_desk.services.suggestion_model import (
    DEFAULT_BACKBONE,
    STARTER_NAME,
    ModelInUse,
    artist_ref,
    default_starter,
    load_predictor,
    model_in_use,
    starter_version,
    suggestions_from,
)
from heritage_desk.services.suggestion_trust import CatalogueTrust, dating_artist, figure_words
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.images import not_a_file

if TYPE_CHECKING:
    import numpy as np

    from heritage_desk.ml.embeddings import Embedder, EmbeddingCache
    from heritage_desk.ml.predictor import Predictor

__all__ = [
    "DEFAULT_BACKBONE",
    "STARTER_NAME",
    "EmbedReport",
    "ModelInUse",
    "ModelUnavailableError",
    "SimilarWork",
    "SuggestionService",
    "default_starter",
    "starter_version",
]

log = logging.getLogger(__name__)

_BATCH = 256
_PAGE = 2000


def _stale(
    asset: Asset, suggestions: Sequence[Suggestion], version: str, figures: dict[Field, str]
) -> bool:
    """True unless every unknown predicted field has suggestions from model `version` whose
    figures were measured where the model's are now (`figures`, by field)."""
    fresh = {
        s.field
        for s in suggestions
        if s.model_version == version and s.figures == figures.get(s.field)
    }
    return any(needs_value(asset, f) and f not in fresh for f in PREDICTED_FIELDS)


@dataclass
class EmbedReport:
    """What embed_missing did."""

    embedded: int = 0
    already: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (image path, reason)
    cancelled: bool = False


class SuggestionService:
    """Embeddings, suggestions and evidence for one catalogue."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        cache_dir: str | Path | None = None,
        images_root: str | Path | None = None,
        starter: str | Path | bool | None = True,
        top_k: int = 5,
        coverage: float = 0.8,
        num_threads: int | None = None,
        weights: str | Path | None = None,
        batch_size: int = 16,
        paths: config.Paths | None = None,
        store: ModelStore | None = None,
    ) -> None:
        from heritage_desk.services.feature_cache import CheckedCache

        self.catalogue = catalogue
        paths = paths or config.paths()
        # A failed write (a full disk) is one FeatureCacheError line, not an OSError.
        self.cache: EmbeddingCache = CheckedCache(cache_dir or paths.embeddings)
        self.images_root = Path(images_root).expanduser().resolve() if images_root else None
        if starter is True:
            self.starter_path = default_starter()
        elif starter is False or starter is None:
            self.starter_path = None
        else:
            self.starter_path = Path(starter)
        #: The catalogue's model files (the retrain service registers through the same store).
        self.store = store or ModelStore(catalogue, paths, starter=self.starter_path)
        if self.store.starter is None:
            self.store.starter = self.starter_path
        self.top_k = top_k
        self.coverage = coverage
        self.num_threads = num_threads
        self.weights = weights
        self.batch_size = batch_size
        self._predictor: Predictor | None = None
        self._predictor_key: tuple[str, str] | None = None
        self._embedder: Embedder | None = None
        self._evidence = EvidenceIndex(catalogue, self.embeddings, self.all_assets)
        #: The catalogue's confirmed works and life dates the suggestions are held to.
        self.trust = CatalogueTrust()
        #: Why the catalogue's active model could not be loaded, if so (no suggestions then).
        self.model_error: str | None = None

    # -- the model ----------------------------------------------------------------------------

    def current_model(self) -> ModelInUse | None:
        """The active version's verified file (the starter when none is active), else None.

        Raises ModelUnavailableError when the active version cannot be loaded here.
        """
        try:
            model = model_in_use(self.catalogue, self.store)
        except ModelUnavailableError as exc:
            if self.model_error != str(exc):  # said once, not for every batch; the caller shows it
                log.info("%s", exc)
            self.model_error = str(exc)
            raise
        self.model_error = None
        return model

    def predictor(self) -> Predictor | None:
        """The current model, loaded once (again after reload_model or a switch).

        Raises ModelUnavailableError when the catalogue's active model cannot be loaded.
        """
        model = self.current_model()
        return self.load_for(model) if model is not None else None

    def load_for(self, model: ModelInUse) -> Predictor:
        """`model` loaded once (ModelUnavailableError if its file is not a usable checkpoint);
        reads no catalogue, so the inference thread loads what the executor chose."""
        key = (model.version, str(model.path))
        if self._predictor is None or self._predictor_key != key:
            from heritage_desk.ml.runtime import set_num_threads

            set_num_threads(self.num_threads)
            try:
                predictor = load_predictor(model)
            except ModelUnavailableError as exc:
                self.model_error = str(exc)
                log.info("%s", exc)
                raise
            self._predictor, self._predictor_key = predictor, key
            return predictor
        return self._predictor

    @property
    def model_loaded(self) -> bool:
        """Whether a model is in memory (loading one can take seconds: callers may skip)."""
        return self._predictor is not None

    def reload_model(self) -> None:
        """Forget the loaded model (after a retrain, an activation or a rollback)."""
        self._predictor = None
        self._predictor_key = None

    @property
    def backbone(self) -> str:
        p = self.predictor()
        return p.backbone if p is not None else DEFAULT_BACKBONE

    @property
    def views(self) -> tuple[str, ...]:
        p = self.predictor()
        return tuple(p.trained.views) if p is not None else ("full",)

    def artist_names(self) -> dict[str, str]:
        """Canonical key -> the name to show: the catalogue's spelling, else the model's."""
        names: dict[str, str] = {}
        p = self.predictor()
        for n in p.vocab.artists if p is not None else []:
            names.setdefault(artist_ref(n).key, n)
        names.update(self.catalogue.canonical_artist_names())
        return names

    # -- embeddings ---------------------------------------------------------------------------

    def image_file(self, asset: Asset) -> Path:
        """The image file of an asset (relative paths resolve against the images folders)."""
        extra = [self.images_root] if self.images_root else []
        return resolve_image(asset.image_path, image_roots(self.catalogue, extra))

    def has_embedding(
        self, checksum: str, backbone: str | None = None, views: Sequence[str] | None = None
    ) -> bool:
        """True when every view of the image is cached for the model's backbone."""
        backbone = backbone or self.backbone
        return all(self.cache.path(checksum, backbone, v).is_file() for v in views or self.views)

    def embeddings(self, assets: Sequence[Asset]) -> tuple[np.ndarray, np.ndarray]:
        """Cached embeddings [N,D] of `assets` and a mask of those found."""
        return self.cache.get_many([a.checksum for a in assets], self.backbone, self.views)

    def count_embedded(self, assets: Sequence[Asset]) -> int:
        """How many of `assets` have every view cached (file checks, no reading)."""
        backbone, views = self.backbone, self.views
        return sum(self.has_embedding(a.checksum, backbone, views) for a in assets)

    def embedder(self) -> Embedder:
        from heritage_desk.ml.embeddings import Embedder

        if self._embedder is None or self._embedder.backbone != self.backbone:
            self._embedder = Embedder(
                self.backbone,
                self.views,
                cache=self.cache,
                weights=self.weights,
                batch_size=self.batch_size,
                num_threads=self.num_threads,
            )
        return self._embedder

    def all_assets(self, q: AssetQuery | None = None) -> Iterable[Asset]:
        """Every asset matching `q`, read a page at a time."""
        ids = self.catalogue.asset_ids(q or AssetQuery())
        for start in range(0, len(ids), _PAGE):
            yield from self.catalogue.get_assets(ids[start : start + _PAGE])

    def embed_missing(
        self,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        asset_ids: Sequence[int] | None = None,
    ) -> EmbedReport:
        """Embed every asset (or those of `asset_ids`) whose embedding is not cached yet.

        Incremental: each batch is cached as it is done, so a cancelled run loses nothing.
        """
        assets = (
            self.catalogue.get_assets(asset_ids) if asset_ids is not None else self.all_assets()
        )
        report = EmbedReport()
        todo: list[Asset] = []
        backbone, views = self.backbone, self.views
        for a in assets:
            if self.has_embedding(a.checksum, backbone, views):
                report.already += 1
            else:
                todo.append(a)
        if not todo:
            progress(Progress(1, 1, "embeddings up to date"))
            return report
        failed: set[str] = set()

        def on_error(path: str, exc: Exception) -> None:
            failed.add(path)
            report.failed.append((path, str(exc)))

        paths = []
        for a in list(todo):
            path = self.image_file(a)
            reason = not_a_file(path)
            if reason:  # a FIFO swapped in for an image would block the embedder for ever
                todo.remove(a)
                report.failed.append((str(path), reason))
            else:
                paths.append(str(path))
        try:
            self.embedder().embed_files(
                paths, progress, cancel, checksums=[a.checksum for a in todo], on_error=on_error
            )
        except Cancelled:
            report.cancelled = True
        report.embedded = sum(1 for a in todo if self.has_embedding(a.checksum, backbone, views))
        return report

    # -- suggestions --------------------------------------------------------------------------

    def _needs_suggestions(self, a: Asset) -> bool:
        return any(needs_value(a, f) for f in PREDICTED_FIELDS)

    def suggest_for(
        self, assets: Sequence[Asset], feats: np.ndarray, names: dict[str, str] | None = None
    ) -> dict[int, list[Suggestion]]:
        """Suggestions for the unknown artist and date of each asset (embeddings given)."""
        p = self.predictor()
        if p is None or not assets:
            return {}
        return self.suggest_with(p, assets, feats, self.artist_names() if names is None else names)

    def suggest_with(
        self,
        p: Predictor,
        assets: Sequence[Asset],
        feats: np.ndarray,
        names: dict[str, str],
    ) -> dict[int, list[Suggestion]]:
        """Suggestions from a given model; touches no catalogue (safe on the inference thread)."""
        contexts = [known_context(a) for a in assets]
        full = [needs_value(a, Field.DATE) and not needs_value(a, Field.ARTIST) for a in assets]
        k = len(p.vocab.artists) if any(full) else self.top_k
        self.trust.apply(p, self)
        preds = p.predict_many(
            feats,
            contexts,
            top_k=k,
            coverage=self.coverage,
            known_years=known_years(assets),
            artist_windows=[self.trust.window_for_asset(a) for a in assets],
            known_artists=[dating_artist(a) for a in assets],
        )
        words = figure_words(p.reliability)
        return {
            a.id: suggestions_from(a, pred, names, self.top_k, words)
            for a, pred in zip(assets, preds, strict=True)
        }

    def refresh(
        self,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        asset_ids: Sequence[int] | None = None,
        *,
        embed: bool = True,
        first: Sequence[int] = (),
        on_batch: Callable[[Changes], None] | None = None,
        stale_only: bool = False,
    ) -> Changes:
        """Recompute and store suggestions for assets with an unknown artist or date.

        `first` (e.g. the page on screen) is done before the rest; `on_batch` hears each
        committed batch, so a view can show improved suggestions before the whole run ends.
        With `stale_only`, assets whose suggestions already come from the current model, with
        its figures measured where they are now (Suggestion.figures), are left alone (the
        CLI).
        """
        if embed:
            self.embed_missing(progress, cancel, asset_ids)
        if cancel is not None:
            cancel.raise_if_cancelled()
        p = self.predictor()
        if p is None:
            return Changes()
        self.trust.gather(self.catalogue)
        # This catalogue's fit, so that suggestions made with another (the starter's prior,
        # before the confirmed works were embedded) count as stale below.
        self.trust.apply(p, self)
        artist_words, date_words = figure_words(p.reliability)
        now = {Field.ARTIST: artist_words, Field.DATE: date_words}
        names = self.artist_names()
        if asset_ids is None:  # only the assets with something unknown, found in SQL
            wanted: set[int] = set()
            for q in (AssetQuery(missing_artist=True), AssetQuery(missing_date=True)):
                wanted.update(self.catalogue.asset_ids(q))
            asset_ids = sorted(wanted)
        todo = list(asset_ids)
        if first:
            pending = set(todo)
            front = [i for i in dict.fromkeys(first) if i in pending]
            in_front = set(front)
            todo = front + [i for i in todo if i not in in_front]
        changed: set[int] = set()
        for start in range(0, len(todo), _BATCH):
            if cancel is not None:
                cancel.raise_if_cancelled()
            chunk = [
                a
                for a in self.catalogue.get_assets(todo[start : start + _BATCH])
                if self._needs_suggestions(a)
            ]
            if stale_only and chunk:
                current = self.catalogue.suggestions_many([a.id for a in chunk])
                chunk = [a for a in chunk if _stale(a, current[a.id], p.version, now)]
            feats, found = self.embeddings(chunk)
            have = [a for a, ok in zip(chunk, found, strict=True) if ok]
            by_asset = self.suggest_for(have, feats[found], names)
            if by_asset:
                batch = self.catalogue.replace_suggestions_many(by_asset, fields=PREDICTED_FIELDS)
                changed.update(by_asset)
                if on_batch is not None:
                    on_batch(batch)
            progress(Progress(min(start + _BATCH, len(todo)), len(todo), "suggestions"))
        self._evidence.clear()
        return Changes(suggestions=True, asset_ids=frozenset(changed)) if changed else Changes()

    def note_changes(self, changes: Changes) -> None:
        """Tell the service what an operation changed (evidence caches are dropped)."""
        if changes.fields or changes.assets:
            self._evidence.clear()

    def figure_sources(self, stored: Sequence[Suggestion] = ()) -> tuple[str, str]:
        """Where the artist and year-range figures of `stored` suggestions were measured, in
        words (figure_words); the loaded model's, for suggestions stored before 0009."""
        p = self.predictor() if self.model_loaded else None
        now = figure_words(p.reliability if p is not None else None)
        first = {s.field: s.figures for s in sorted(stored, key=lambda s: s.rank)}
        artist, date = first.get(Field.ARTIST), first.get(Field.DATE)
        return artist or now[0], date or now[1]

    # -- evidence -----------------------------------------------------------------------------

    def evidence(
        self, asset_id: int, artists: Sequence[str] | None = None, k: int = 3
    ) -> dict[str, list[SimilarWork]]:
        """The `k` confirmed works most similar to the asset, per suggested artist (cosine)."""
        return self._evidence.evidence(asset_id, artists, k)


def known_context(a: Asset) -> dict[str, str | None]:
    """The known fields the model reads beside the image (genre, style, medium)."""
    return {f.value: a.value(f) for f in CONTEXT_FIELDS}


def known_years(assets: Sequence[Asset]) -> list[tuple[int, int] | None]:
    """The creation years recorded or accepted for each asset, where a date is known."""
    out: list[tuple[int, int] | None] = []
    for a in assets:
        fv = a.fields.get(Field.DATE)
        lo = fv.year_from if fv is not None else None
        hi = fv.year_to if fv is not None and fv.year_to is not None else lo
        out.append((lo, hi) if lo is not None and hi is not None else None)
    return out
