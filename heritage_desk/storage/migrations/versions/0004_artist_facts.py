"""Artist facts: life / active years and authority ids (ULAN, Wikidata, RKD) on the artist.

Existing catalogues get the life dates their own artist cells state ("Claude Monet (French,
1840–1926)"), read once here; ids are never guessed, so they stay empty until a record
carries them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from heritage_desk.core.artist_facts import parse_life_dates

revision = "0004"
down_revision = "0003"

_YEARS = ("born", "died", "active_from", "active_to")
_TEXTS = ("life_text", "ulan_id", "wikidata_id", "rkd_id", "facts_source")


def upgrade() -> None:
    with op.batch_alter_table("artists") as batch:
        for name in _YEARS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("life_approximate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        for name in _TEXTS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=True))
    _backfill_life_dates()


def _backfill_life_dates() -> None:
    """Life dates from the artist cells already in the catalogue (the first cell that has any)."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT artist_id, value FROM field_values "
            "WHERE field = 'artist' AND artist_id IS NOT NULL ORDER BY artist_id, id"
        )
    )
    done: set[int] = set()
    artists = sa.table(
        "artists", sa.column("id"), *(sa.column(n) for n in (*_YEARS, "life_approximate")),
        sa.column("life_text"), sa.column("facts_source"),
    )  # fmt: skip
    for artist_id, value in rows.all():
        if artist_id in done:
            continue
        life = parse_life_dates(value)
        if life is None or life.is_empty:
            continue
        done.add(artist_id)
        conn.execute(
            artists.update()
            .where(artists.c.id == artist_id)
            .values(
                **{name: getattr(life, name) for name in _YEARS},  # LifeDates' own field names
                life_approximate=life.approximate,
                life_text=life.text,
                facts_source="artist cell already in the catalogue",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("artists") as batch:
        for name in (*_TEXTS, "life_approximate", *_YEARS):
            batch.drop_column(name)
