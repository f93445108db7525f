"""Where a suggestion's probability was measured ("this catalogue (n=66)", "starter prior
(n=690)"), stored with it: the same model states the starter's figures until the catalogue's
confirmed works are embedded and its own after, and a curator must read, beside each number,
which it is. Older suggestions keep NULL until the next suggest.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.add_column(sa.Column("figures", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.drop_column("figures")
