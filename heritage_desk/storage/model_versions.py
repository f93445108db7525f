"""The model versions repository: which trained models a catalogue knows, which one is active."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from heritage_desk.core.model import Changes, ModelFiles, ModelVersion
from heritage_desk.storage import convert
from heritage_desk.storage.base import Repository
from heritage_desk.storage.errors import CatalogueError
from heritage_desk.storage.orm import ModelFileRow, ModelVersionRow, utcnow


class ModelRepository(Repository):
    """Model version rows: recorded after a retrain, one of them active."""

    def add_model_version(
        self,
        version: str,
        path: str,
        *,
        metrics: Mapping[str, float] | None = None,
        note: str = "",
        active: bool = False,
        created_at: datetime | None = None,
        sha256: str | None = None,
        files: ModelFiles | None = None,
    ) -> ModelVersion:
        """Record a trained model; `active` makes it the one in use.

        `files` (a shared catalogue's copy of the checkpoint) goes in the same transaction as
        the row: another machine never sees a version whose bytes are not there yet.
        """
        where = self._scope.location
        with self._scope.session(write=True) as s:
            if s.scalar(sa.select(ModelVersionRow.id).where(ModelVersionRow.version == version)):
                raise CatalogueError(f"{where}: model version {version!r} exists already")
            if active:
                s.execute(sa.update(ModelVersionRow).values(active=False))
            row = ModelVersionRow(
                version=version, path=path, metrics=dict(metrics or {}), note=note,
                active=active, created_at=created_at or utcnow(), sha256=sha256,
            )  # fmt: skip
            s.add(row)
            s.flush()
            if files is not None:
                s.add(
                    ModelFileRow(
                        version_id=row.id, checkpoint=files.checkpoint,
                        sidecar=files.sidecar, curves=files.curves,
                    )
                )  # fmt: skip
            return convert.model_version(row)

    def model_files(self, version: str) -> ModelFiles | None:
        """The bytes a shared catalogue keeps for `version` (None: it keeps none)."""
        with self._scope.session() as s:
            row = s.scalars(
                sa.select(ModelFileRow)
                .join(ModelVersionRow, ModelVersionRow.id == ModelFileRow.version_id)
                .where(ModelVersionRow.version == version)
            ).first()
            return ModelFiles(row.checkpoint, row.sidecar, row.curves) if row else None

    def set_model_curves(self, version: str, curves: str) -> bool:
        """Store `version`'s training curves (JSON) with its files; False: it has no files here."""
        with self._scope.session(write=True) as s:
            vid = s.scalar(sa.select(ModelVersionRow.id).where(ModelVersionRow.version == version))
            row = s.get(ModelFileRow, vid) if vid is not None else None
            if row is None:
                return False
            row.curves = curves
            return True

    def set_active_model(self, version: str) -> Changes:
        """Make `version` the active model (rollback = activating an older one)."""
        with self._scope.session(write=True) as s:
            if not s.scalar(
                sa.select(ModelVersionRow.id).where(ModelVersionRow.version == version)
            ):
                raise CatalogueError(f"{self._scope.location}: no model version {version!r}")
            s.execute(sa.update(ModelVersionRow).values(active=ModelVersionRow.version == version))
        return Changes(model=True)

    def active_model(self) -> ModelVersion | None:
        """The model in use, if any."""
        with self._scope.session() as s:
            row = s.scalars(sa.select(ModelVersionRow).where(ModelVersionRow.active)).first()
            return convert.model_version(row) if row is not None else None

    def model_versions(self) -> list[ModelVersion]:
        """Every recorded model, newest first."""
        with self._scope.session() as s:
            stmt = sa.select(ModelVersionRow).order_by(
                ModelVersionRow.created_at.desc(), ModelVersionRow.id.desc()
            )
            return [convert.model_version(r) for r in s.scalars(stmt)]
