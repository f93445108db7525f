"""The model versions repository: which trained models a catalogue knows, which one is active."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from heritage_desk.core.model import Changes, ModelVersion
from heritage_desk.storage import convert
from heritage_desk.storage.base import Repository
from heritage_desk.storage.errors import CatalogueError
from heritage_desk.storage.orm import ModelVersionRow, utcnow


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
    ) -> ModelVersion:
        """Record a trained model; `active` makes it the one in use."""
        where = self._scope.location
        with self._scope.session(write=True) as s:
            if s.scalar(sa.select(ModelVersionRow.id).where(ModelVersionRow.version == version)):
                raise CatalogueError(f"{where}: model version {version!r} exists already")
            if active:
                s.execute(sa.update(ModelVersionRow).values(active=False))
            row = ModelVersionRow(
                version=version, path=path, metrics=dict(metrics or {}), note=note,
                active=active, created_at=created_at or utcnow(),
            )  # fmt: skip
            s.add(row)
            s.flush()
            return convert.model_version(row)

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
