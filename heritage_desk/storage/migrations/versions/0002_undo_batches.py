"""Undo and batches: decisions.undoes and batch_id, rejected suggestions, catalogue_info."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key to an existing table, so Alembic copies it.
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("undoes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("batch_id", sa.String(32), nullable=True))
        batch.create_foreign_key("fk_decisions_undoes_decisions", "decisions", ["undoes"], ["id"])
        batch.create_index("ix_decisions_undoes", ["undoes"])
        batch.create_index("ix_decisions_batch_id", ["batch_id"])
    with op.batch_alter_table("suggestions") as batch:
        batch.add_column(
            sa.Column("rejected", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_suggestions_top", ["asset_id", "field", "rejected", "probability"])
    op.create_table(
        "catalogue_info",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_catalogue_info"),
    )


def downgrade() -> None:
    op.drop_table("catalogue_info")
    with op.batch_alter_table("suggestions") as batch:
        batch.drop_index("ix_suggestions_top")
        batch.drop_column("rejected")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_index("ix_decisions_batch_id")
        batch.drop_index("ix_decisions_undoes")
        batch.drop_constraint("fk_decisions_undoes_decisions", type_="foreignkey")
        batch.drop_column("batch_id")
        batch.drop_column("undoes")
