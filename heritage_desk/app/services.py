"""The facade ops receive on the executor thread: the catalogue and the use cases over it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from heritage_desk import config
from heritage_desk.core.model import PREDICTED_FIELDS, Changes, Field, Suggestion
from heritage_desk.core.progress import CancelToken, ProgressCallback
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.image_paths import image_roots, resolve_image
from heritage_desk.services.review import ReviewService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.workers.detail import AssetDetail, Evidence, ModelReport

log = logging.getLogger(__name__)


class ImageResolver:
    """Finds an asset's file: absolute paths as they are, relative ones under known roots."""

    def __init__(self, catalogue: Catalogue, roots: Sequence[Path] = ()) -> None:
        self.roots = image_roots(catalogue, roots)
        self._lock = threading.Lock()

    def add_root(self, root: str | Path) -> None:
        """Remember a folder images were imported from."""
        with self._lock:
            if Path(root) not in self.roots:
                self.roots.insert(0, Path(root))

    def __call__(self, image_path: str) -> str:
        return str(resolve_image(image_path, list(self.roots)))


class Services:
    """What ops receive on the executor thread: the catalogue and the use cases over it."""

    def __init__(
        self,
        catalogue: Catalogue,
        paths: config.Paths,
        resolver: ImageResolver,
        images_root: Path | None = None,
        with_model: bool = True,
        suggestion_options: dict[str, Any] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.paths = paths
        self.resolve = resolver
        self.review = ReviewService(catalogue)
        self.images_root = images_root
        self.with_model = with_model
        #: Extra SuggestionService arguments (a starter model, an embeddings folder, threads).
        self.suggestion_options = dict(suggestion_options or {})
        #: RetrainSettings fields (how many confirmations trigger a retrain, threads...).
        self.retrain_options: dict[str, Any] = {}
        self._suggestions: Any = None
        self._retrain: Any = None

    # -- lazily built (torch loads on first use, never on the GUI thread) ------------------------

    @property
    def suggestions(self) -> Any:
        """The SuggestionService (importing it loads torch: only ever on a worker thread)."""
        if self._suggestions is None:
            from heritage_desk.services.suggestions import SuggestionService

            options: dict[str, Any] = {"cache_dir": self.paths.embeddings}
            options.update(self.suggestion_options)
            self._suggestions = SuggestionService(
                self.catalogue, images_root=self.images_root, **options
            )
        return self._suggestions

    @property
    def retrain(self) -> Any:
        """The RetrainService of this catalogue."""
        if self._retrain is None:
            from heritage_desk.services.retrain import RetrainService, RetrainSettings

            settings = RetrainSettings(**self.retrain_options)
            self._retrain = RetrainService(self.catalogue, self.suggestions, settings=settings)
        return self._retrain

    # -- the detail panel -------------------------------------------------------------------------

    def detail(self, asset_id: int) -> AssetDetail:
        """An asset, its open suggestions, and evidence once the model is loaded."""
        asset = self.catalogue.get_asset(asset_id)
        sugg = tuple(self.catalogue.suggestions(asset_id))
        evidence: dict[str, tuple[Evidence, ...]] = {}
        svc = self._suggestions
        artists = [s.value for s in sugg if s.field is Field.ARTIST]
        # Evidence needs the model's embeddings: skip it until the inference thread has loaded it.
        if artists and svc is not None and svc.model_loaded:
            try:
                found = svc.evidence(asset_id, artists)
            except Exception as exc:  # evidence is a help, never a reason to fail the panel
                log.info("no evidence for #%s: %s", asset_id, exc)
                found = {}
            evidence = {
                a: tuple(
                    Evidence(w.asset_id, w.image_path, w.checksum, w.title, w.similarity)
                    for w in works
                )
                for a, works in found.items()
            }
        version = sugg[0].model_version if sugg else None
        return AssetDetail(asset, sugg, evidence, version)

    # -- decisions --------------------------------------------------------------------------------

    def accept(self, asset_id: int, picks: Sequence[tuple[Field, Suggestion]], who: str) -> Changes:
        """Accept one suggestion per field as one undoable step."""
        return self.catalogue.accept_suggestions([(asset_id, s) for _, s in picks], who)

    def reject(
        self, asset_id: int, rejects: Sequence[tuple[Field, Suggestion]], who: str
    ) -> Changes:
        """Reject suggestions (one undoable step when several)."""
        if len(rejects) == 1:
            f, s = rejects[0]
            return self.review.reject(asset_id, f, s, who)
        from heritage_desk.storage.fieldops import new_batch_id

        batch, changes = new_batch_id(), Changes()
        with self.catalogue.transaction():
            for f, s in rejects:
                changes |= self.catalogue.reject_suggestion(
                    asset_id, f, s.value, who, batch_id=batch
                )
        return changes

    def edit(self, asset_id: int, f: Field, value: str, who: str, old: str | None) -> Changes:
        """A typed value; the caller then asks the inference worker for new suggestions."""
        changes = self.review.edit(asset_id, f, value, who, expected_old=old)
        if self._suggestions is not None:
            self._suggestions.note_changes(changes)
        if f in PREDICTED_FIELDS and value.strip():
            # A known value needs no suggestions; the other predicted field is redone later.
            self.catalogue.replace_suggestions(asset_id, [], fields=[f])
            changes |= Changes(suggestions=True, asset_ids=frozenset({asset_id}))
        return changes

    def undo(self, who: str) -> Changes:
        return self.review.undo(who)

    def redo(self, who: str) -> Changes:
        return self.review.redo(who)

    def preview_batch(self, q: AssetQuery, f: Field | None, threshold: float) -> int:
        return self.review.preview_batch(q, threshold, (f,) if f else PREDICTED_FIELDS)

    def batch_accept(self, q: AssetQuery, f: Field | None, threshold: float, who: str) -> Changes:
        return self.review.batch_accept(q, threshold, who, (f,) if f else PREDICTED_FIELDS)

    def needing_suggestions(self, embed_all: bool = True) -> list[int]:
        """The background pass: assets lacking a value and suggestions first, then the rest of
        those lacking a value (a new model's suggestions), then every other asset (embeddings
        that retraining learns from)."""
        cat = self.catalogue
        first = cat.asset_ids(AssetQuery(missing_artist=True, has_suggestions=False))
        first += cat.asset_ids(AssetQuery(missing_date=True, has_suggestions=False))
        rest = cat.asset_ids(AssetQuery(missing_artist=True))
        rest += cat.asset_ids(AssetQuery(missing_date=True))
        every = cat.asset_ids(AssetQuery()) if embed_all else []
        return list(dict.fromkeys(first + rest + every))

    # -- import and export ------------------------------------------------------------------------

    def csv_columns(self, path: str) -> tuple[list[str], dict[str, str]]:
        """A CSV's columns and the guessed mapping of each target to a column."""
        from heritage_desk.storage.csv_input import guess_mapping, read_metadata

        table = read_metadata(path)
        return table.columns, guess_mapping(table.columns)

    def import_collection(self, images: str, csv_path: str | None, mapping: dict[str, str] | None,
                          progress: ProgressCallback, cancel: CancelToken) -> Any:  # fmt: skip
        from heritage_desk.storage.importer import import_collection

        report = import_collection(self.catalogue, images, csv_path, mapping, progress, cancel)
        self.resolve.add_root(images)
        if self._suggestions is not None:
            self._suggestions.note_changes(Changes(assets=True))
        report.changes = Changes(assets=True, fields=True)  # type: ignore[attr-defined]  # views reload
        return report

    def export_csv(
        self, out: str, bom: bool, progress: ProgressCallback, cancel: CancelToken,
        *, force: bool = False,
    ) -> Any:  # fmt: skip
        """Export, refusing the catalogue's own files and (unless `force`) a foreign file."""
        from heritage_desk.services.outputs import guard_output
        from heritage_desk.storage.exporter import export_columns, export_csv

        guard_output(self.catalogue, out, header=export_columns(), force=force)
        return export_csv(self.catalogue, out, bom=bom, progress=progress, cancel=cancel)

    def check_catalogue(self) -> tuple[bool, list[str]]:
        """The catalogue check (integrity, missing images, orphans, temp files), quick mode."""
        from heritage_desk.services.check import CheckOptions, check_catalogue

        roots = [Path(r) for r in self.resolve.roots]
        report = check_catalogue(
            self.catalogue,
            CheckOptions(images_roots=roots, models_dir=self.paths.models, checksums=False),
        )
        return report.ok, report.lines()

    # -- models -----------------------------------------------------------------------------------

    def model_report(self, device: str = "CPU") -> ModelReport:
        """Versions, the active one's curves, and how its suggestions fared with curators."""
        from heritage_desk.app.engines import model_report

        return model_report(self, device)

    def model_in_use(self) -> str | None:
        """The version suggestions come from (the active one, else the starter)."""
        if not self.with_model:
            mv = self.catalogue.active_model()
            return mv.version if mv is not None else None
        m = self.suggestions.current_model()
        return m.version if m is not None else None

    def activate_model(self, version: str) -> Changes:
        """Roll back (or forward) to `version`."""
        changes: Changes = self.retrain.activate(version)
        return changes
