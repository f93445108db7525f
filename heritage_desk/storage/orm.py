"""SQLAlchemy 2 tables of a catalogue; only storage/ sees these rows, everyone else core objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Datetimes stored as UTC and read back timezone-aware on every backend (SQLite drops tz)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (Alembic batch mode needs them)."""

    metadata = sa.MetaData(naming_convention=NAMING)


class AssetRow(Base):
    """One image of the collection."""

    __tablename__ = "assets"
    id: Mapped[int] = mapped_column(primary_key=True)
    image_path: Mapped[str] = mapped_column(sa.Text, index=True)
    checksum: Mapped[str] = mapped_column(sa.String(64), unique=True)
    inventory_number: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    width: Mapped[int | None]
    height: Mapped[int | None]
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArtistRow(Base):
    """One person, whatever the spelling: the canonical key from core.names."""

    __tablename__ = "artists"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(400), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(400))
    # Life / active years and authority ids as a record stated them (0004; see core.artist_facts).
    born: Mapped[int | None]
    died: Mapped[int | None]
    active_from: Mapped[int | None]
    active_to: Mapped[int | None]
    life_approximate: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    life_text: Mapped[str | None] = mapped_column(sa.Text)
    ulan_id: Mapped[str | None] = mapped_column(sa.Text)
    wikidata_id: Mapped[str | None] = mapped_column(sa.Text)
    rkd_id: Mapped[str | None] = mapped_column(sa.Text)
    facts_source: Mapped[str | None] = mapped_column(sa.Text)


class ArtistAliasRow(Base):
    """A spelling of an artist's name seen in the collection."""

    __tablename__ = "artist_aliases"
    __table_args__ = (sa.UniqueConstraint("artist_id", "alias"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    artist_id: Mapped[int] = mapped_column(sa.ForeignKey("artists.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(sa.String(400), index=True)


class FieldValueRow(Base):
    """The current value of one field of one asset; absent row = unknown."""

    __tablename__ = "field_values"
    __table_args__ = (
        sa.UniqueConstraint("asset_id", "field"),
        # Filters and combos: "genre = X", distinct values of a field.
        sa.Index("ix_field_values_field_value", "field", "value"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("assets.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.Text)
    year_from: Mapped[int | None]
    year_to: Mapped[int | None]
    artist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("artists.id", ondelete="SET NULL"), index=True
    )
    qualifier: Mapped[str | None] = mapped_column(sa.String(60))
    provenance: Mapped[str] = mapped_column(sa.String(16))
    model_version: Mapped[str | None] = mapped_column(sa.String(100))
    probability: Mapped[float | None] = mapped_column(sa.Float)
    reviewer: Mapped[str | None] = mapped_column(sa.String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed: Mapped[bool] = mapped_column(default=False)
    #: Which suggestion an accepted value came from, in words (0005).
    origin: Mapped[str | None] = mapped_column(sa.Text)


class SuggestionRow(Base):
    """A ranked candidate value the model proposed for a field."""

    __tablename__ = "suggestions"
    __table_args__ = (
        sa.UniqueConstraint("asset_id", "field", "rank"),
        # Sort by confidence: the best open suggestion of an asset, read from the index alone.
        sa.Index("ix_suggestions_top", "asset_id", "field", "rejected", "probability"),
        sa.Index("ix_suggestions_field_probability", "field", "probability"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("assets.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(sa.String(16))
    rank: Mapped[int]
    value: Mapped[str] = mapped_column(sa.Text)
    probability: Mapped[float] = mapped_column(sa.Float)
    year_from: Mapped[int | None]
    year_to: Mapped[int | None]
    year_estimate: Mapped[int | None]  # 0008: a date's single best year
    figures: Mapped[str | None] = mapped_column(sa.String(100))  # 0009: where it was measured
    model_version: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rejected: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class DoubtRow(Base):
    """How much the model believes an asset's recorded artist (0007; see core.model.Doubt).

    Written by the background pass for every work whose recorded painter the model knows; it
    holds only while the artist field still reads `recorded`.
    """

    __tablename__ = "artist_doubts"
    asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    recorded: Mapped[str] = mapped_column(sa.Text)
    recorded_probability: Mapped[float] = mapped_column(sa.Float, index=True)
    alternative: Mapped[str] = mapped_column(sa.Text)
    alternative_probability: Mapped[float] = mapped_column(sa.Float)
    model_version: Mapped[str] = mapped_column(sa.String(100))
    judged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionRow(Base):
    """An append-only record of a reviewer's act; old/new states make it undoable."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.Index("ix_decisions_asset_id_id", "asset_id", "id"),
        sa.Index("ix_decisions_reviewer_id", "reviewer", "id"),
        # Undo: "which decision reversed this one?" over the few rows that reverse one (0003).
        sa.Index(
            "ix_decisions_undone",
            "undoes",
            sqlite_where=sa.text("undoes IS NOT NULL"),
            postgresql_where=sa.text("undoes IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("assets.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(16))
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)
    reviewer: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    model_version: Mapped[str | None] = mapped_column(sa.String(100))
    probability: Mapped[float | None] = mapped_column(sa.Float)
    # The whole field row before and after (None = absent), so undo restores provenance too.
    old_state: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    new_state: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    undoes: Mapped[int | None] = mapped_column(sa.ForeignKey("decisions.id"), index=True)
    batch_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)


class ModelVersionRow(Base):
    """A trained model the catalogue knows; one is active."""

    __tablename__ = "model_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    path: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # The checkpoint's content hash (0006): checked on every load; None for older rows.
    sha256: Mapped[str | None] = mapped_column(sa.String(64))


class ModelFileRow(Base):
    """The bytes of a version's files in a shared catalogue (0006; see services.model_store)."""

    __tablename__ = "model_files"
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True
    )
    checkpoint: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sidecar: Mapped[str | None] = mapped_column(sa.Text)
    curves: Mapped[str | None] = mapped_column(sa.Text)


class CatalogueInfoRow(Base):
    """Key/value facts about the catalogue itself, e.g. which app version last migrated it."""

    __tablename__ = "catalogue_info"
    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
