"""A date suggestion's single best year (the median of the decade distribution behind its
range): a wide range's likeliest decade is a poor point to date a work by (museum scenario:
median error 19.3 years from the decade, 14.6 from this year; docs/benchmarks.md). Older
suggestions keep NULL until the next suggest.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.add_column(sa.Column("year_estimate", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.drop_column("year_estimate")
