"""The assets repository: adding, changing, finding and counting assets; images folders."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.core.model import Asset, Changes, Field, FieldValue
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage import asset_query, convert, fieldops, info
from heritage_desk.storage.base import Repository, Scope
from heritage_desk.storage.errors import AssetNotFoundError, CatalogueError
from heritage_desk.storage.fieldops import UNSET, Act, Unset
from heritage_desk.storage.orm import AssetRow, FieldValueRow, utcnow

#: How long images_roots trusts what it read (another program may import meanwhile).
ROOTS_CACHE_S = 5.0


class AssetRepository(Repository):
    """Asset rows and the folders their images were imported from."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope)
        #: (monotonic time read, folders) of images_roots, or None.
        self._roots_cache: tuple[float, tuple[Path, ...]] | None = None

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
        with self._scope.session() as s:
            roots = [path for _, path in info.images_roots(s)]
        if not self._scope.in_transaction:  # an open transaction may still roll back
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
        with self._scope.session(write=True) as s:
            info.record_images_root(s, path)

    # -- writing ------------------------------------------------------------------------------

    def add_asset(
        self,
        image_path: str | Path,
        checksum: str,
        *,
        width: int | None = None,
        height: int | None = None,
        inventory_number: str | None = None,
        fields: Iterable[FieldValue] = (),
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
        where = self._scope.location
        with self._scope.session(write=True) as s:
            try:
                with s.begin_nested():  # a duplicate must not abort an enclosing transaction
                    asset_id = int(s.execute(insert).scalar_one())
            except sa.exc.IntegrityError as exc:
                raise CatalogueError(
                    f"{where}: an asset with checksum {checksum[:12]}... exists already"
                ) from exc
            changes = [fieldops.Change(asset_id, fv.field, fv, Act()) for fv in fields]
            fieldops.apply_many(s, where, changes, new_assets=True)
            return asset_id

    def update_asset(
        self,
        asset_id: int,
        *,
        image_path: str | Path | None = None,
        inventory_number: str | Unset | None = UNSET,
        width: int | None = None,
        height: int | None = None,
        checksum: str | None = None,
    ) -> Changes:
        """Change an asset's own columns (a moved or retouched file, an inventory number)."""
        with self._scope.session(write=True) as s:
            row = fieldops.lock_asset(s, asset_id, self._scope.location)
            if image_path is not None:
                row.image_path = str(image_path)
            if checksum is not None:
                row.checksum = checksum
            if not isinstance(inventory_number, Unset):
                row.inventory_number = inventory_number
            row.width = width if width is not None else row.width
            row.height = height if height is not None else row.height
        return Changes(assets=True, asset_ids=frozenset({asset_id}))

    # -- reading ------------------------------------------------------------------------------

    def get_asset(self, asset_id: int) -> Asset:
        """The asset with its fields; AssetNotFoundError when there is none."""
        with self._scope.session() as s:
            found = _assets(s, [asset_id])
        if not found:
            raise AssetNotFoundError(f"{self._scope.location}: no asset #{asset_id}")
        return found[0]

    def get_assets(self, ids: Sequence[int]) -> list[Asset]:
        """Assets in the order of `ids` (missing ids are left out)."""
        with self._scope.session() as s:
            return [a for chunk in _chunks(ids, 500) for a in _assets(s, chunk)]

    def _find_one(self, cond: Any) -> Asset | None:
        with self._scope.session() as s:
            asset_id = s.scalar(sa.select(AssetRow.id).where(cond).order_by(AssetRow.id).limit(1))
            return _assets(s, [asset_id])[0] if asset_id is not None else None

    def find_asset_by_checksum(self, checksum: str) -> Asset | None:
        """The asset with this content checksum, if any."""
        return self._find_one(AssetRow.checksum == checksum)

    def find_asset_by_path(self, path: str | Path) -> Asset | None:
        """The (first) asset recorded with this image path, if any."""
        return self._find_one(AssetRow.image_path == str(path))

    def asset_ids(self, q: AssetQuery | None = None) -> list[int]:
        """Ids of the assets matching `q` (all by default), in its order."""
        with self._scope.session() as s:
            return list(s.scalars(asset_query.select_ids(q or AssetQuery())))

    def query_assets(self, q: AssetQuery) -> list[Asset]:
        """One filtered, sorted page of assets, computed in SQL."""
        with self._scope.session() as s:
            ids = list(s.scalars(asset_query.select_ids(q)))
            return [a for chunk in _chunks(ids, 500) for a in _assets(s, chunk)]

    def count_assets(self, q: AssetQuery | None = None) -> int:
        """How many assets match `q`'s filters."""
        with self._scope.session() as s:
            return int(s.scalar(asset_query.select_count(q or AssetQuery())) or 0)

    def asset_paths(self) -> list[tuple[int, str, str]]:
        """(id, image path, checksum) of every asset by id: what a file check needs, cheaply."""
        stmt = sa.select(AssetRow.id, AssetRow.image_path, AssetRow.checksum).order_by(AssetRow.id)
        with self._scope.session() as s:
            return [(int(i), str(p), str(c)) for i, p, c in s.execute(stmt)]

    def stats(self) -> dict[str, int]:
        """Counts for `info` and the status bar ("without" = needs a value, as the filters)."""

        def count(*conds: Any) -> Any:
            return sa.select(sa.func.count()).select_from(AssetRow).where(*conds).scalar_subquery()

        stmt = sa.select(
            count(),
            count(asset_query.has_value(Field.ARTIST)),
            count(asset_query.has_value(Field.DATE)),
            count(asset_query.pending_suggestion()),
        )
        with self._scope.session() as s:
            total, artist, with_year, pending = s.execute(stmt).one()
        return {
            "assets": total,
            "with_artist": artist,
            "without_artist": total - artist,
            "with_year": with_year,
            "without_year": total - with_year,
            "pending_suggestions": pending,
        }


def _assets(s: Session, ids: Sequence[int]) -> list[Asset]:
    rows = {r.id: r for r in s.scalars(sa.select(AssetRow).where(AssetRow.id.in_(ids)))}
    fields: dict[int, list[FieldValueRow]] = {i: [] for i in ids}
    for f in s.scalars(sa.select(FieldValueRow).where(FieldValueRow.asset_id.in_(ids))):
        fields[f.asset_id].append(f)
    return [convert.asset(rows[i], fields[i]) for i in ids if i in rows]


def _chunks(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]
