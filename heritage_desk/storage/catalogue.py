"""The catalogue: opens and migrates one, and composes its repositories over one session scope.

Each concept has one repository (assets, fields, suggestions, decisions, models, maintenance),
all sharing the Scope's engine and transaction; `cat.repo.<name>` reaches one directly. The
Catalogue's own methods are the names callers have always used, forwarded to their owner.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import URL

from heritage_desk.storage import db, migrations
from heritage_desk.storage.artist_facts import ArtistFactsRepository
from heritage_desk.storage.assets import AssetRepository
from heritage_desk.storage.base import Scope, as_catalogue_error
from heritage_desk.storage.decisions import DecisionRepository
from heritage_desk.storage.doubts import DoubtRepository
from heritage_desk.storage.errors import (
    AssetNotFoundError,
    CatalogueDamagedError,
    CatalogueError,
    CatalogueLockedError,
    CatalogueReadOnlyError,
    CatalogueTooNewError,
    ConflictError,
    NotACatalogueError,
)
from heritage_desk.storage.fieldops import UNSET
from heritage_desk.storage.fields import FieldRepository
from heritage_desk.storage.formats.mapping_store import ImportMappingRepository
from heritage_desk.storage.maintenance import MaintenanceRepository
from heritage_desk.storage.model_versions import ModelRepository
from heritage_desk.storage.suggestions import SuggestionRepository

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True)
class Repositories:
    """A catalogue's repositories, one per concept, over one scope."""

    assets: AssetRepository
    fields: FieldRepository
    suggestions: SuggestionRepository
    decisions: DecisionRepository
    models: ModelRepository
    maintenance: MaintenanceRepository
    artist_facts: ArtistFactsRepository
    import_mapping: ImportMappingRepository
    doubts: DoubtRepository

    @classmethod
    def over(cls, scope: Scope) -> Repositories:
        return cls(
            AssetRepository(scope), FieldRepository(scope), SuggestionRepository(scope),
            DecisionRepository(scope), ModelRepository(scope), MaintenanceRepository(scope),
            ArtistFactsRepository(scope), ImportMappingRepository(scope), DoubtRepository(scope),
        )  # fmt: skip


def _to(repo: str, method: Callable[Concatenate[R, P], T]) -> Callable[Concatenate[Any, P], T]:
    """A Catalogue method that forwards to `method` of the repository named `repo`."""

    @functools.wraps(method)
    def forward(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return method(getattr(self.repo, repo), *args, **kwargs)

    return forward


class Catalogue(Scope):
    """One open catalogue. Not thread-safe: one executor thread owns it (ARCHITECTURE.md)."""

    def __init__(self, engine: sa.Engine, migration: migrations.MigrationResult) -> None:
        super().__init__(engine, migration)
        self.repo = Repositories.over(self)

    @classmethod
    def open(
        cls,
        location: str | Path | URL | None = None,
        *,
        create: bool = True,
        backup: bool = True,
        busy_timeout_ms: int = db.BUSY_TIMEOUT_MS,
    ) -> Catalogue:
        """Open (and migrate, after a backup) the catalogue at a path or URL; None = default."""
        # busy_timeout_ms: how long a SQLite writer waits for another before CatalogueLockedError.
        url = db.resolve_url(location)
        name = db.display_location(url)
        path = db.sqlite_path(url)
        if path is not None and not create and not path.exists():
            raise NotACatalogueError(f"no catalogue at {name}")
        if path is not None and path.exists() and path.is_dir():
            raise NotACatalogueError(f"{name} is a folder, not a catalogue file")
        engine = db.create_engine(url, busy_timeout_ms=busy_timeout_ms)
        try:
            if not create and migrations.current_revision(engine) is None:
                raise NotACatalogueError(f"{name} is not a heritage_desk catalogue")
            result = migrations.migrate(engine, backup=backup, name=name)
        except CatalogueError:
            engine.dispose()
            raise
        except sa.exc.DBAPIError as exc:
            engine.dispose()
            raise as_catalogue_error(name, exc, busy_timeout_ms) from exc
        cat = cls(engine, result)
        cat.busy_timeout_ms = busy_timeout_ms
        return cat

    # -- assets and images folders ------------------------------------------------------------
    images_roots = _to("assets", AssetRepository.images_roots)
    images_root = _to("assets", AssetRepository.images_root)
    record_images_root = _to("assets", AssetRepository.record_images_root)
    add_asset = _to("assets", AssetRepository.add_asset)
    update_asset = _to("assets", AssetRepository.update_asset)
    get_asset = _to("assets", AssetRepository.get_asset)
    get_assets = _to("assets", AssetRepository.get_assets)
    find_asset_by_checksum = _to("assets", AssetRepository.find_asset_by_checksum)
    find_asset_by_path = _to("assets", AssetRepository.find_asset_by_path)
    asset_ids = _to("assets", AssetRepository.asset_ids)
    query_assets = _to("assets", AssetRepository.query_assets)
    count_assets = _to("assets", AssetRepository.count_assets)
    asset_paths = _to("assets", AssetRepository.asset_paths)
    stats = _to("assets", AssetRepository.stats)
    # -- fields -------------------------------------------------------------------------------
    get_field = _to("fields", FieldRepository.get_field)
    set_field = _to("fields", FieldRepository.set_field)
    set_fields = _to("fields", FieldRepository.set_fields)
    clear_field = _to("fields", FieldRepository.clear_field)
    vocabulary = _to("fields", FieldRepository.vocabulary)
    artists = _to("fields", FieldRepository.artists)
    artist_aliases = _to("fields", FieldRepository.artist_aliases)
    canonical_artist_names = _to("fields", FieldRepository.canonical_artist_names)
    # -- suggestions --------------------------------------------------------------------------
    replace_suggestions = _to("suggestions", SuggestionRepository.replace_suggestions)
    replace_suggestions_many = _to("suggestions", SuggestionRepository.replace_suggestions_many)
    suggestions = _to("suggestions", SuggestionRepository.suggestions)
    suggestions_many = _to("suggestions", SuggestionRepository.suggestions_many)
    reject_suggestion = _to("suggestions", SuggestionRepository.reject_suggestion)
    accept_unknown_painter = _to("suggestions", SuggestionRepository.accept_unknown_painter)
    top_suggestions = _to("suggestions", SuggestionRepository.top_suggestions)
    count_top_suggestions = _to("suggestions", SuggestionRepository.count_top_suggestions)
    accept_suggestions = _to("suggestions", SuggestionRepository.accept_suggestions)
    # -- possible mistakes: the model's doubt about recorded artists --------------------------
    record_doubts = _to("doubts", DoubtRepository.record_doubts)
    doubt = _to("doubts", DoubtRepository.doubt)
    # -- decisions ----------------------------------------------------------------------------
    history = _to("decisions", DecisionRepository.history)
    last_decisions = _to("decisions", DecisionRepository.last_decisions)
    unknown_painter_accepts = _to("decisions", DecisionRepository.unknown_painter_accepts)
    undo = _to("decisions", DecisionRepository.undo)
    redo = _to("decisions", DecisionRepository.redo)
    reverse = _to("decisions", DecisionRepository.reverse)
    undo_steps = _to("decisions", DecisionRepository.undo_steps)
    undo_stack = _to("decisions", DecisionRepository.undo_stack)
    # -- model versions -----------------------------------------------------------------------
    add_model_version = _to("models", ModelRepository.add_model_version)
    set_active_model = _to("models", ModelRepository.set_active_model)
    active_model = _to("models", ModelRepository.active_model)
    model_versions = _to("models", ModelRepository.model_versions)
    model_files = _to("models", ModelRepository.model_files)
    set_model_curves = _to("models", ModelRepository.set_model_curves)
    # -- maintenance --------------------------------------------------------------------------
    integrity_check = _to("maintenance", MaintenanceRepository.integrity_check)
    ensure_sound = _to("maintenance", MaintenanceRepository.ensure_sound)
    orphan_ids = _to("maintenance", MaintenanceRepository.orphan_ids)
    repair_orphans = _to("maintenance", MaintenanceRepository.repair_orphans)
    # -- artists' life dates and authority ids ------------------------------------------------
    record_artist_facts = _to("artist_facts", ArtistFactsRepository.record_artist_facts)
    artist_facts = _to("artist_facts", ArtistFactsRepository.artist_facts)
    artist_life_dates = _to("artist_facts", ArtistFactsRepository.artist_life_dates)
    all_artist_facts = _to("artist_facts", ArtistFactsRepository.all_artist_facts)
    # -- the column mapping imports reuse -----------------------------------------------------
    saved_import_mapping = _to("import_mapping", ImportMappingRepository.saved_import_mapping)
    save_import_mapping = _to("import_mapping", ImportMappingRepository.save_import_mapping)


__all__ = [
    "UNSET",
    "AssetNotFoundError",
    "Catalogue",
    "CatalogueDamagedError",
    "CatalogueError",
    "CatalogueLockedError",
    "CatalogueReadOnlyError",
    "CatalogueTooNewError",
    "ConflictError",
    "NotACatalogueError",
    "Repositories",
]
