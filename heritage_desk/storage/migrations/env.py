"""Alembic environment: runs on the connection heritage_desk hands over, batch mode for SQLite."""

from __future__ import annotations

from alembic import context

from heritage_desk.storage import db
from heritage_desk.storage.orm import Base

config = context.config


def run_migrations() -> None:
    """Migrate the connection given in config.attributes, or the URL of alembic.ini (dev use)."""
    connection = config.attributes.get("connection")
    if connection is None:
        engine = db.create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
        return
    _run(connection)


def _run(connection: object) -> None:
    # render_as_batch: SQLite cannot ALTER most things, so Alembic copies the table instead.
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
