"""Model files in the catalogue: model_versions.sha256 and a model_files table.

A shared (PostgreSQL) catalogue carries the bytes of each version's checkpoint, its sidecar
JSON and its training curves, written in the transaction that adds the version row, so every
curator's machine loads the same model; each machine keeps only a cache keyed by sha256.
SQLite catalogues keep their files beside the catalogue file and record the sha256 alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("model_versions") as batch:
        batch.add_column(sa.Column("sha256", sa.String(64), nullable=True))
    op.create_table(
        "model_files",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.LargeBinary(), nullable=False),
        sa.Column("sidecar", sa.Text(), nullable=True),
        sa.Column("curves", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name="fk_model_files_version_id_model_versions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name="pk_model_files"),
    )


def downgrade() -> None:
    op.drop_table("model_files")
    with op.batch_alter_table("model_versions") as batch:
        batch.drop_column("sha256")
