"""Undo lookup: a partial index on decisions.undoes over the rows that have one.

next_undo asks "has an undo reversed this decision?" for the reviewer's newest decisions.
Nearly every decision has undoes NULL, so after ANALYZE the planner rates the full index on
undoes as useless (1,000,000 rows per value) and scans the table for each probe; the partial
index holds only real undo links and stays a cheap probe.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

_WHERE = sa.text("undoes IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_decisions_undone",
        "decisions",
        ["undoes"],
        sqlite_where=_WHERE,
        postgresql_where=_WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_decisions_undone", table_name="decisions")
