"""Possible mistakes: an artist_doubts table (one row per asset whose recorded painter the model
judged; see core.model.Doubt), so the collection view can filter and sort by them in SQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from heritage_desk.storage.orm import UTCDateTime

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "artist_doubts",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("recorded", sa.Text(), nullable=False),
        sa.Column("recorded_probability", sa.Float(), nullable=False),
        sa.Column("alternative", sa.Text(), nullable=False),
        sa.Column("alternative_probability", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("judged_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["assets.id"],
            name="fk_artist_doubts_asset_id_assets",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", name="pk_artist_doubts"),
    )
    op.create_index(
        "ix_artist_doubts_recorded_probability", "artist_doubts", ["recorded_probability"]
    )


def downgrade() -> None:
    op.drop_index("ix_artist_doubts_recorded_probability", table_name="artist_doubts")
    op.drop_table("artist_doubts")
