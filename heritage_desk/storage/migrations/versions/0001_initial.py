"""Initial schema: assets, artists, field values, suggestions, decisions, model versions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from heritage_desk.storage.orm import UTCDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("image_path", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("inventory_number", sa.String(200), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assets"),
        sa.UniqueConstraint("checksum", name="uq_assets_checksum"),
    )
    op.create_index("ix_assets_image_path", "assets", ["image_path"])
    op.create_index("ix_assets_inventory_number", "assets", ["inventory_number"])
    op.create_table(
        "artists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("display_name", sa.String(400), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artists"),
        sa.UniqueConstraint("key", name="uq_artists_key"),
    )
    op.create_table(
        "artist_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("artist_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(400), nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artists.id"], ondelete="CASCADE",
            name="fk_artist_aliases_artist_id_artists",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_artist_aliases"),
        sa.UniqueConstraint("artist_id", "alias", name="uq_artist_aliases_artist_id_alias"),
    )  # fmt: skip
    op.create_index("ix_artist_aliases_alias", "artist_aliases", ["alias"])
    op.create_table(
        "field_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("year_from", sa.Integer(), nullable=True),
        sa.Column("year_to", sa.Integer(), nullable=True),
        sa.Column("artist_id", sa.Integer(), nullable=True),
        sa.Column("qualifier", sa.String(60), nullable=True),
        sa.Column("provenance", sa.String(16), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("reviewer", sa.String(200), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], ondelete="CASCADE",
            name="fk_field_values_asset_id_assets",
        ),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artists.id"], ondelete="SET NULL",
            name="fk_field_values_artist_id_artists",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_field_values"),
        sa.UniqueConstraint("asset_id", "field", name="uq_field_values_asset_id_field"),
    )  # fmt: skip
    op.create_index("ix_field_values_field_value", "field_values", ["field", "value"])
    op.create_index("ix_field_values_artist_id", "field_values", ["artist_id"])
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("year_from", sa.Integer(), nullable=True),
        sa.Column("year_to", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], ondelete="CASCADE",
            name="fk_suggestions_asset_id_assets",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_suggestions"),
        sa.UniqueConstraint(
            "asset_id", "field", "rank", name="uq_suggestions_asset_id_field_rank"
        ),
    )  # fmt: skip
    op.create_index("ix_suggestions_field_probability", "suggestions", ["field", "probability"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("old_state", sa.JSON(), nullable=True),
        sa.Column("new_state", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["assets.id"], ondelete="CASCADE",
            name="fk_decisions_asset_id_assets",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )  # fmt: skip
    op.create_index("ix_decisions_asset_id_id", "decisions", ["asset_id", "id"])
    op.create_index("ix_decisions_reviewer_id", "decisions", ["reviewer", "id"])
    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_model_versions"),
        sa.UniqueConstraint("version", name="uq_model_versions_version"),
    )


def downgrade() -> None:
    for table in (
        "model_versions", "decisions", "suggestions", "field_values", "artist_aliases",
        "artists", "assets",
    ):  # fmt: skip
        op.drop_table(table)
