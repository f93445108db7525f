"""Field origin: which suggestion an accepted value came from (issue 17 item 6).

"artist suggestion 2 of model m-3 (Claude Monet, 41%)", or a date range the curator narrowed
before accepting. Older values keep NULL: their decisions say what was known then.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("field_values") as batch:
        batch.add_column(sa.Column("origin", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("field_values") as batch:
        batch.drop_column("origin")
