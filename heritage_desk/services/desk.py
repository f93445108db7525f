"""The Desk: the one typed facade the window talks to. Every call runs on the catalogue executor
and returns core values (views, Changes); the catalogue itself is never handed out."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heritage_desk import config
from heritage_desk.core.batch import BatchItem
from heritage_desk.core.model import (
    PREDICTED_FIELDS,
    Asset,
    Changes,
    Decision,
    Field,
    ModelUnavailableError,
    Suggestion,
)
from heritage_desk.core.progress import CancelToken, ProgressCallback
from heritage_desk.core.query import AssetQuery
from heritage_desk.core.undo_steps import Undone, UndoState
from heritage_desk.core.views import AssetDetail, Evidence, ModelReport, Page, Row
from heritage_desk.services.image_paths import ImageResolver
from heritage_desk.services.model_store import ModelStore
from heritage_desk.services.review import ReviewService
from heritage_desk.services.team_watch import TeamWatch
from heritage_desk.storage.catalogue import Catalogue

if TYPE_CHECKING:
    from heritage_desk.services.inference_engine import Batch, Outputs
    from heritage_desk.services.retrain import (
        ChildOutcome,
        RetrainJob,
        RetrainResult,
        RetrainService,
    )
    from heritage_desk.services.suggestions import SuggestionService
    from heritage_desk.storage.exporter import ExportReport
    from heritage_desk.storage.importer import ImportReport

log = logging.getLogger(__name__)

#: Seconds the canonical artist names serve inference batches (another curator may import).
NAMES_TTL_S = 30.0

#: A pick or a reject of the review panel: the field and the suggestion shown for it.
Pick = tuple[Field, Suggestion]


class Desk:
    """What the window may ask of one open catalogue (one executor thread calls it)."""

    def __init__(
        self,
        catalogue: Catalogue,
        paths: config.Paths,
        resolver: ImageResolver,
        images_root: Path | None = None,
        with_model: bool = True,
        suggestion_options: Mapping[str, Any] | None = None,
        retrain_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._cat = catalogue
        self._paths = paths
        self._resolver = resolver
        self._review = ReviewService(catalogue)
        self._images_root = images_root
        self.with_model = with_model
        #: Extra SuggestionService arguments (a starter model, an embeddings folder, threads).
        self._suggestion_options = dict(suggestion_options or {})
        #: RetrainSettings fields (how many confirmations trigger a retrain, threads...).
        self._retrain_options = dict(retrain_options or {})
        self._suggestions: SuggestionService | None = None
        self._retrain: RetrainService | None = None
        self._team: TeamWatch | None = None
        self._names: tuple[float, dict[str, str]] | None = None  # see _artist_names
        #: Where the catalogue is, for the title bar.
        self.location = catalogue.location

    # -- lazily built (torch loads on first use, never on the GUI thread) ------------------------

    def _suggestion_service(self) -> SuggestionService:
        """The SuggestionService (importing it loads torch: only ever on a worker thread)."""
        if self._suggestions is None:
            from heritage_desk.services.suggestions import SuggestionService

            # paths: a shared catalogue's models are cached under this data folder (--data-dir).
            options: dict[str, Any] = {"cache_dir": self._paths.embeddings, "paths": self._paths}
            options.update(self._suggestion_options)
            self._suggestions = SuggestionService(
                self._cat, images_root=self._images_root, **options
            )
        return self._suggestions

    def _retrain_service(self) -> RetrainService:
        if self._retrain is None:
            from heritage_desk.services.retrain import RetrainService, RetrainSettings

            settings = RetrainSettings(**self._retrain_options)
            self._retrain = RetrainService(self._cat, self._suggestion_service(), settings=settings)
        return self._retrain

    # -- the collection ---------------------------------------------------------------------------

    def page(self, q: AssetQuery) -> Page:
        """How many assets `q` matches, and the rows of its page."""
        return Page(self._cat.count_assets(q), self.rows(q))

    def rows(self, q: AssetQuery) -> list[Row]:
        """A page of assets with their top suggestions (two queries)."""
        assets = self._cat.query_assets(q)
        sugg = self._cat.suggestions_many([a.id for a in assets])
        return [Row.of(a, sugg.get(a.id, [])) for a in assets]

    def rows_by_id(self, asset_ids: Sequence[int]) -> list[Row]:
        """These assets with their top suggestions (two queries)."""
        assets = self._cat.get_assets(asset_ids)
        sugg = self._cat.suggestions_many(asset_ids)
        return [Row.of(a, sugg.get(a.id, [])) for a in assets]

    def asset_ids(self, q: AssetQuery) -> list[int]:
        """The ids `q` matches, in its order."""
        return self._cat.asset_ids(q)

    def vocabulary(self, fields: Sequence[Field]) -> dict[Field, list[str]]:
        """The values each field already has, for the form's combos."""
        return {f: self._cat.vocabulary(f) for f in fields}

    def stats(self) -> dict[str, int]:
        """Counts for the status bar."""
        return self._cat.stats()

    # -- one asset --------------------------------------------------------------------------------

    def detail(self, asset_id: int) -> AssetDetail:
        """An asset, its open suggestions, and evidence once the model is loaded."""
        asset = self._cat.get_asset(asset_id)
        sugg = tuple(self._cat.suggestions(asset_id))
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
                    Evidence(
                        w.asset_id, w.image_path, w.checksum, w.title, w.similarity, w.qualifier
                    )
                    for w in works
                )
                for a, works in found.items()
            }
        version = sugg[0].model_version if sugg else None
        sources = (
            svc.figure_sources(sugg) if sugg and svc is not None and svc.model_loaded else None
        )
        return AssetDetail(asset, sugg, evidence, version, sources, self._cat.doubt(asset_id))

    def history(self, asset_id: int) -> list[Decision]:
        """The asset's decisions, oldest first."""
        return self._review.history(asset_id)

    # -- decisions --------------------------------------------------------------------------------

    def accept(self, asset_id: int, picks: Sequence[Pick], who: str) -> Changes:
        """Accept one suggestion per field as one undoable step."""
        return self._review.accept_many(asset_id, [s for _, s in picks], who)

    def reject(self, asset_id: int, rejects: Sequence[Pick], who: str) -> Changes:
        """Reject suggestions as one undoable step."""
        return self._review.reject_many(asset_id, [s for _, s in rejects], who)

    def edit(self, asset_id: int, f: Field, value: str, who: str, old: str | None) -> Changes:
        """A typed value; the caller then asks the inference worker for new suggestions."""
        self._names = None
        changes = self._review.edit(asset_id, f, value, who, expected_old=old)
        if self._suggestions is not None:
            self._suggestions.note_changes(changes)
        if f in PREDICTED_FIELDS and value.strip():
            # A known value needs no suggestions; the other predicted field is redone later.
            changes |= self._cat.replace_suggestions(asset_id, [], fields=[f])
        return changes

    def flag(self, asset_id: int, note: str, who: str) -> Changes:
        """Flag an asset for an expert, with a note: one undoable step."""
        return self._review.flag(asset_id, note, who)

    def unflag(self, asset_id: int, who: str) -> Changes:
        """Take an asset's flag off: one undoable step (nothing when it has none)."""
        return self._review.unflag(asset_id, who)

    def undo(self, who: str) -> Changes:
        """Reverse this reviewer's latest step."""
        return self._review.undo(who)

    def redo(self, who: str) -> Changes:
        """Reverse this reviewer's latest undo."""
        return self._review.redo(who)

    def undo_named(self, who: str, redo: bool = False) -> Undone:
        """Undo (or redo) this reviewer's latest step: what it was ("accept Claude Monet") and
        what undo and redo would do next (the Edit menu's words)."""
        self._names = None
        return self._review.reverse(who, redo)

    def undo_state(self, who: str, depth: int = 1, redo: bool = True) -> UndoState:
        """The top of this reviewer's undo and redo stacks in words (redo=False: the cheap
        query, for after a new decision, which empties the redo stack)."""
        return self._review.undo_state(who, depth, redo)

    def undo_to(self, who: str, step: str) -> Undone:
        """Undo every step of this reviewer down to and including `step` (the history list)."""
        self._names = None
        return self._review.undo_to(who, step)

    def batch_candidates(self, q: AssetQuery, f: Field | None, threshold: float) -> list[BatchItem]:
        """What batch_accept would fill, for the preview: each value with its asset's image,
        the least probable first (where unticking matters)."""
        items = self._review.batch_items(q, threshold, (f,) if f else PREDICTED_FIELDS)
        items.sort(key=lambda item: (item[1].probability, item[0]))
        ids = list(dict.fromkeys(a for a, _ in items))
        assets: dict[int, Asset] = {}
        for start in range(0, len(ids), 500):
            assets.update((a.id, a) for a in self._cat.get_assets(ids[start : start + 500]))
        return [
            BatchItem(aid, assets[aid].title, assets[aid].image_path, assets[aid].checksum, s)
            for aid, s in items
        ]

    def accept_batch(self, items: Sequence[tuple[int, Suggestion]], who: str) -> Changes:
        """Accept the previewed values the curator kept ticked: one undoable step."""
        return self._review.accept_items(items, who)

    def batch_accept(self, q: AssetQuery, f: Field | None, threshold: float, who: str) -> Changes:
        """Accept every best suggestion at or above `threshold`: one undoable step."""
        return self._review.batch_accept(q, threshold, who, (f,) if f else PREDICTED_FIELDS)

    # -- suggestions (the inference worker's executor steps) --------------------------------------

    def needing_suggestions(self, embed_all: bool = True) -> list[int]:
        """The background pass: assets lacking a value and suggestions first, then the rest of
        those lacking a value (a new model's suggestions), then (`embed_all`) every other asset
        (embeddings that retraining learns from, and the confirmed works a starter's figures
        are measured on); then the first ones again: on a new catalogue they were suggested
        before those works were embedded, with the starter's prior."""
        cat = self._cat
        first = cat.asset_ids(AssetQuery(missing_artist=True, has_suggestions=False))
        first += cat.asset_ids(AssetQuery(missing_date=True, has_suggestions=False))
        rest = cat.asset_ids(AssetQuery(missing_artist=True))
        rest += cat.asset_ids(AssetQuery(missing_date=True))
        lacking = list(dict.fromkeys(first + rest))
        if not embed_all:
            return lacking
        known = set(lacking)
        others = [i for i in cat.asset_ids(AssetQuery()) if i not in known]
        again = list(dict.fromkeys(first)) if others else []
        return lacking + others + again

    def suggestion_batch(self, asset_ids: Sequence[int]) -> Batch:
        """What the inference thread needs to suggest for these assets."""
        from heritage_desk.core.model import needs_value
        from heritage_desk.services.inference_engine import Batch

        svc = self._suggestion_service()
        assets = self._cat.get_assets(list(asset_ids))
        needs = [any(needs_value(a, f) for f in PREDICTED_FIELDS) for a in assets]
        names = self._artist_names()  # the catalogue's spelling of each person
        files = [str(svc.image_file(a)) for a in assets]
        svc.trust.gather(self._cat)  # confirmed works and life dates, read on this thread
        return Batch(assets, needs, files, svc.current_model(), names, svc)

    def _artist_names(self) -> dict[str, str]:
        """Catalogue.canonical_artist_names, read again after NAMES_TTL_S or a change here that
        can alter a spelling (an edit, an import, an undo): a 100,000-asset catalogue takes
        ~70 ms to read them, too long to repeat for every batch of the inference pass."""
        now = time.monotonic()
        if self._names is None or now - self._names[0] > NAMES_TTL_S:
            self._names = (now, self._cat.canonical_artist_names())
        return self._names[1]

    def store_suggestions(self, outputs: Outputs) -> Changes:
        """Write what the inference thread suggested, and its doubts about recorded artists."""
        if outputs.judged:
            self._cat.record_doubts(outputs.judged, outputs.doubts)
        if not outputs.suggestions:
            return Changes()
        changes = self._cat.replace_suggestions_many(outputs.suggestions, fields=PREDICTED_FIELDS)
        self._suggestion_service().note_changes(Changes(fields=True))
        return changes

    # -- import, export, check --------------------------------------------------------------------

    def csv_columns(self, path: str) -> tuple[list[str], dict[str, str]]:
        """A metadata file's columns and each target's column: the catalogue's saved mapping
        where this file has those columns, else guessed."""
        from heritage_desk.storage.formats.mapping_store import open_metadata

        table, _ = open_metadata(self._cat, path, None)
        return table.columns, table.mapping

    def import_collection(
        self,
        images: str,
        csv_path: str | None,
        mapping: dict[str, str] | None,
        progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ImportReport:
        """Import a folder of images (and a CSV); the report's `changes` tells the views."""
        self._names = None
        from heritage_desk.storage.importer import import_collection

        report = import_collection(self._cat, images, csv_path, mapping, progress, cancel)
        self._resolver.add_root(images)
        if self._suggestions is not None:
            self._suggestions.note_changes(Changes(assets=True))
        report.changes = Changes(assets=True, fields=True)  # type: ignore[attr-defined]
        return report

    def export_csv(
        self,
        out: str,
        bom: bool,
        progress: ProgressCallback,
        cancel: CancelToken,
        *,
        force: bool = False,
    ) -> ExportReport:
        """Export, refusing the catalogue's own files and (unless `force`) a foreign file."""
        from heritage_desk.services.outputs import guard_output
        from heritage_desk.storage.exporter import export_columns, export_csv

        guard_output(self._cat, out, header=export_columns(), force=force)
        return export_csv(self._cat, out, bom=bom, progress=progress, cancel=cancel)

    def check_catalogue(self) -> tuple[bool, list[str]]:
        """The catalogue check (integrity, missing images, orphans, temp files), quick mode."""
        from heritage_desk.services.check import CheckOptions, check_catalogue

        roots = [Path(r) for r in self._resolver.roots]
        # The folder retrains write to (the model store's), not the data folder's models/.
        report = check_catalogue(
            self._cat, CheckOptions(images_roots=roots, paths=self._paths, checksums=False)
        )
        return report.ok, report.lines()

    # -- models -----------------------------------------------------------------------------------

    def model_in_use(self) -> str | None:
        """The version suggestions come from (the active one, else the starter)."""
        if not self.with_model:
            mv = self._cat.active_model()
            return mv.version if mv is not None else None
        try:
            m = self._suggestion_service().current_model()
        except ModelUnavailableError as exc:  # the status bar says so (gui: UNLOADABLE)
            return f"{exc.version} cannot be loaded"
        return m.version if m is not None else None

    def model_report(self, device: str = "CPU") -> ModelReport:
        """Versions, the active one's curves, and how its suggestions fared with curators."""
        from heritage_desk.services.model_report import model_report

        in_use = self.model_in_use() if self.with_model else None
        store = self._suggestion_service().store if self.with_model else None
        return model_report(self._cat, in_use, device, store or ModelStore(self._cat, self._paths))

    def team_changes(self) -> Changes:
        """What other curators (or processes) changed since the last call (services.team_watch)."""
        if self._team is None:
            self._team = TeamWatch(self._cat)
        return self._team.poll()

    def activate_model(self, version: str) -> Changes:
        """Roll back (or forward) to `version`."""
        return self._retrain_service().activate(version)

    def should_retrain(self) -> bool:
        """Whether enough new confirmations have come in for a retrain."""
        return self._retrain_service().should_retrain()

    def prepare_retrain(self) -> RetrainJob:
        """Build the manifest and start the child (under the retrain lock)."""
        return self._retrain_service().prepare()

    def register_retrain(
        self,
        job: RetrainJob,
        outcome: ChildOutcome,
        curves: dict[str, list[float]] | None = None,
    ) -> RetrainResult:
        """Validate and register what the child made (and its curves); activate it if better."""
        return self._retrain_service().register(job, outcome, curves)
