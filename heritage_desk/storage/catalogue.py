"""The catalogue repository: opens, migrates and queries a catalogue; returns core objects only."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from heritage_desk.core.model import (
    Action,
    Asset,
    Changes,
    Field,
    FieldValue,
    Provenance,
)
from heritage_desk.core.names import parse_artist
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage import asset_query, convert, db, fieldops, info, migrations
from heritage_desk.storage.artist_facts import ArtistFactsRepository
from heritage_desk.storage.base import as_catalogue_error
from heritage_desk.storage.catalogue_extra import CatalogueExtras
from heritage_desk.storage.errors import (
    AssetNotFoundError,
    CatalogueError,
    CatalogueLockedError,
    CatalogueReadOnlyError,
    CatalogueTooNewError,
    ConflictError,
    NotACatalogueError,
)
from heritage_desk.storage.fieldops import UNSET, Act, Unset
from heritage_desk.storage.maintenance import MaintenanceMixin
from heritage_desk.storage.orm import ArtistAliasRow, ArtistRow, AssetRow, FieldValueRow, utcnow

#: How long images_roots trusts what it read (another program may import meanwhile).
ROOTS_CACHE_S = 5.0


@dataclass(frozen=True)
class FieldUpdate:
    """A new value for one field, as set_field takes it (no decision: see set_fields)."""

    value: str
    provenance: Provenance
    year_from: int | None = None
    year_to: int | None = None
    reviewer: str | None = None
    model_version: str | None = None
    probability: float | None = None
    confirmed: bool | None = None
    at: datetime | None = None


class Catalogue(CatalogueExtras, MaintenanceMixin, ArtistFactsRepository):
    """One open catalogue. Not thread-safe: one executor thread owns it (ARCHITECTURE.md)."""

    #: (monotonic time read, folders) of images_roots, or None.
    _roots_cache: tuple[float, tuple[Path, ...]] | None = None

    # -- opening ------------------------------------------------------------------------------

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

    # -- images folders -----------------------------------------------------------------------

    def images_roots(self) -> list[Path]:
        """Every folder images were imported from (absolute, as recorded), the newest first.

        Asset image paths are relative to one of them; a folder may have moved since.
        """
        # Callers resolve image paths asset by asset (0.4 ms a query on SQLite, seconds for a
        # 10,000-asset embedding pass): a few seconds' cache, dropped when this one records.
        cached = self._roots_cache
        if cached is not None and time.monotonic() - cached[0] < ROOTS_CACHE_S:
            return list(cached[1])
        with self._session() as s:
            roots = [path for _, path in info.images_roots(s)]
        if self._tx is None:  # not what an open transaction sees: it may still roll back
            self._roots_cache = (time.monotonic(), tuple(roots))
        return roots

    def images_root(self) -> Path | None:
        """The folder of the latest import, or None when nothing was imported from a folder."""
        roots = self.images_roots()
        return roots[0] if roots else None

    def record_images_root(self, folder: str | Path) -> None:
        """Remember `folder` (made absolute) as the newest images folder; import calls this.

        ValueError when its name cannot be stored as text (undecodable bytes on Linux).
        """
        path = Path(folder).expanduser().resolve()
        self._roots_cache = None
        with self._session(write=True) as s:
            info.record_images_root(s, path)

    # -- assets -------------------------------------------------------------------------------

    def add_asset(
        self,
        image_path: str | Path,
        checksum: str,
        *,
        width: int | None = None,
        height: int | None = None,
        inventory_number: str | None = None,
        fields: Mapping[Field, FieldUpdate] | None = None,
    ) -> int:
        """Add an image; its checksum must be new (see find_asset_by_checksum).

        fields: its first values (an import's CSV row), inserted with it: no decisions.
        """
        # A Core INSERT ... RETURNING: the ORM's unit of work costs more than the insert itself.
        insert = (
            sa.insert(AssetRow)
            .values(
                image_path=str(image_path), checksum=checksum, width=width, height=height,
                inventory_number=inventory_number, added_at=utcnow(),
            )
            .returning(AssetRow.id)
        )  # fmt: skip
        with self._session(write=True) as s:
            try:
                with s.begin_nested():  # a duplicate must not abort an enclosing transaction
                    asset_id = int(s.execute(insert).scalar_one())
            except sa.exc.IntegrityError as exc:
                raise CatalogueError(
                    f"{self.location}: an asset with checksum {checksum[:12]}... exists already"
                ) from exc
            if fields:
                changes = _changes(asset_id, fields)
                fieldops.apply_many(s, self.location, changes, new_assets=True)
            return asset_id

    def update_asset(
        self,
        asset_id: int,
        *,
        image_path: str | Path | None = None,
        inventory_number: str | Unset | None = UNSET,
        width: int | None = None,
        height: int | None = None,
    ) -> Changes:
        """Change an asset's own columns (a moved file, a corrected inventory number)."""
        with self._session(write=True) as s:
            row = fieldops.lock_asset(s, asset_id, self.location)
            if image_path is not None:
                row.image_path = str(image_path)
            if not isinstance(inventory_number, Unset):
                row.inventory_number = inventory_number
            row.width = width if width is not None else row.width
            row.height = height if height is not None else row.height
        return Changes(assets=True, asset_ids=frozenset({asset_id}))

    def _assets(self, s: Session, ids: Sequence[int]) -> list[Asset]:
        rows = {r.id: r for r in s.scalars(sa.select(AssetRow).where(AssetRow.id.in_(ids)))}
        fields: dict[int, list[FieldValueRow]] = {i: [] for i in ids}
        for f in s.scalars(sa.select(FieldValueRow).where(FieldValueRow.asset_id.in_(ids))):
            fields[f.asset_id].append(f)
        return [convert.asset(rows[i], fields[i]) for i in ids if i in rows]

    def get_asset(self, asset_id: int) -> Asset:
        """The asset with its fields; AssetNotFoundError when there is none."""
        with self._session() as s:
            found = self._assets(s, [asset_id])
        if not found:
            raise AssetNotFoundError(f"{self.location}: no asset #{asset_id}")
        return found[0]

    def get_assets(self, ids: Sequence[int]) -> list[Asset]:
        """Assets in the order of `ids` (missing ids are left out)."""
        with self._session() as s:
            return [a for chunk in _chunks(ids, 500) for a in self._assets(s, chunk)]

    def _find_one(self, cond: Any) -> Asset | None:
        with self._session() as s:
            asset_id = s.scalar(sa.select(AssetRow.id).where(cond).order_by(AssetRow.id).limit(1))
            return self._assets(s, [asset_id])[0] if asset_id is not None else None

    def find_asset_by_checksum(self, checksum: str) -> Asset | None:
        """The asset with this content checksum, if any."""
        return self._find_one(AssetRow.checksum == checksum)

    def find_asset_by_path(self, path: str | Path) -> Asset | None:
        """The (first) asset recorded with this image path, if any."""
        return self._find_one(AssetRow.image_path == str(path))

    def asset_ids(self, q: AssetQuery | None = None) -> list[int]:
        """Ids of the assets matching `q` (all by default), in its order."""
        with self._session() as s:
            return list(s.scalars(asset_query.select_ids(q or AssetQuery())))

    def query_assets(self, q: AssetQuery) -> list[Asset]:
        """One filtered, sorted page of assets, computed in SQL."""
        with self._session() as s:
            ids = list(s.scalars(asset_query.select_ids(q)))
            return [a for chunk in _chunks(ids, 500) for a in self._assets(s, chunk)]

    def count_assets(self, q: AssetQuery | None = None) -> int:
        """How many assets match `q`'s filters."""
        with self._session() as s:
            return int(s.scalar(asset_query.select_count(q or AssetQuery())) or 0)

    # -- fields -------------------------------------------------------------------------------

    def get_field(self, asset_id: int, field: Field) -> FieldValue | None:
        """The current value of one field, or None when unknown."""
        with self._session() as s:
            row = fieldops.current_row(s, asset_id, field)
            return convert.field_value(row) if row is not None else None

    def set_field(
        self,
        asset_id: int,
        field: Field,
        value: str,
        provenance: Provenance,
        *,
        year_from: int | None = None,
        year_to: int | None = None,
        reviewer: str | None = None,
        model_version: str | None = None,
        probability: float | None = None,
        confirmed: bool | None = None,
        action: Action | None = None,
        expected_old: str | Unset | None = UNSET,
        batch_id: str | None = None,
        at: datetime | None = None,
    ) -> Changes:
        """Set a field; with `action`, append the decision in the same transaction."""
        # expected_old: the value the reviewer saw; if it changed meanwhile, ConflictError.
        # confirmed: None means True for curator and accepted values, False for imported ones.
        new = fieldops.make_state(
            value, provenance, year_from=year_from, year_to=year_to,
            model_version=model_version, probability=probability, reviewer=reviewer,
            confirmed=confirmed, decided_at=at,
        )  # fmt: skip
        act = Act(
            action=action, reviewer=reviewer, batch_id=batch_id, model_version=model_version,
            probability=probability, at=at, expected_old=expected_old,
        )  # fmt: skip
        with self._session(write=True) as s:
            fieldops.apply(s, self.location, asset_id, field, new, act)
        return _changed(asset_id, decisions=action is not None)

    def set_fields(self, asset_id: int, values: Mapping[Field, FieldUpdate]) -> Changes:
        """Set several fields of one asset at once (an import's CSV row); records no decisions.

        The same as one set_field per field without `action`, in a handful of statements:
        the asset is locked and its field rows read once, new rows go in with one insert.
        """
        if not values:
            return Changes()
        with self._session(write=True) as s:
            fieldops.apply_many(s, self.location, _changes(asset_id, values))
        return _changed(asset_id, decisions=False)

    def clear_field(
        self,
        asset_id: int,
        field: Field,
        *,
        reviewer: str | None = None,
        action: Action | None = None,
        expected_old: str | Unset | None = UNSET,
        batch_id: str | None = None,
    ) -> Changes:
        """Make a field unknown again; with `action`, append the decision."""
        act = Act(action=action, reviewer=reviewer, batch_id=batch_id, expected_old=expected_old)
        with self._session(write=True) as s:
            fieldops.apply(s, self.location, asset_id, field, None, act)
        return _changed(asset_id, decisions=action is not None)

    def vocabulary(self, field: Field) -> list[str]:
        """The distinct values of a field, sorted (for the form's combos)."""
        with self._session() as s:
            stmt = (
                sa.select(FieldValueRow.value)
                .where(FieldValueRow.field == field.value)
                .distinct()
                .order_by(FieldValueRow.value)
            )
            return [v for v in s.scalars(stmt) if v]

    def artists(self) -> list[str]:
        """The canonical artists' display names, sorted."""
        with self._session() as s:
            return list(
                s.scalars(sa.select(ArtistRow.display_name).order_by(ArtistRow.display_name))
            )

    def artist_aliases(self, name: str) -> list[str]:
        """Every spelling recorded for the person `name` names."""
        key = parse_artist(name).key
        with self._session() as s:
            stmt = (
                sa.select(ArtistAliasRow.alias)
                .join(ArtistRow, ArtistRow.id == ArtistAliasRow.artist_id)
                .where(ArtistRow.key == key)
                .order_by(ArtistAliasRow.alias)
            )
            return list(s.scalars(stmt))


def _changes(asset_id: int, values: Mapping[Field, FieldUpdate]) -> list[fieldops.Change]:
    """Field changes without decisions, one per value."""
    return [
        fieldops.Change(asset_id, field, fieldops.make_state(
            u.value, u.provenance, year_from=u.year_from, year_to=u.year_to,
            model_version=u.model_version, probability=u.probability, reviewer=u.reviewer,
            confirmed=u.confirmed, decided_at=u.at,
        ), Act())
        for field, u in values.items()
    ]  # fmt: skip


def _changed(asset_id: int, *, decisions: bool) -> Changes:
    return Changes(fields=True, decisions=decisions, asset_ids=frozenset({asset_id}))


def _chunks(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


__all__ = [
    "UNSET",
    "AssetNotFoundError",
    "Catalogue",
    "CatalogueError",
    "CatalogueLockedError",
    "CatalogueReadOnlyError",
    "CatalogueTooNewError",
    "ConflictError",
    "FieldUpdate",
    "NotACatalogueError",
]
