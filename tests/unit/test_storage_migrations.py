"""Migrations at open: an older catalogue is backed up and upgraded, a newer one refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from heritage_desk import __version__
from heritage_desk.core.model import Action, Field, Provenance
from heritage_desk.storage import db, migrations
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueTooNewError, NotACatalogueError
from heritage_desk.storage.orm import Base


def _old_catalogue(location: str) -> None:
    """A catalogue at the first schema revision, with one asset and one decision in it."""
    engine = db.create_engine(location)
    migrations.migrate(engine, target="0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO assets (id, image_path, checksum, added_at) "
                "VALUES (1, 'a.jpg', 'c1', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO field_values (asset_id, field, value, provenance, confirmed) "
                "VALUES (1, 'artist', 'Claude Monet', 'curator', true)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO decisions (asset_id, field, action, old_value, new_value, reviewer,"
                " at) VALUES (1, 'artist', 'edit', NULL, 'Claude Monet', 'ann', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()


def test_fresh_catalogue_is_at_head_and_matches_models(catalogue_url: str) -> None:
    with Catalogue.open(catalogue_url) as cat:
        assert cat.migration.to_revision == migrations.head_revision()
        assert cat.migration.backup is None
        with cat._engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The migrations build exactly the schema the ORM declares.
    assert diff == []


def test_old_catalogue_is_backed_up_and_migrated(catalogue_url: str) -> None:
    _old_catalogue(catalogue_url)
    with Catalogue.open(catalogue_url) as cat:
        result = cat.migration
        assert (result.from_revision, result.to_revision) == ("0001", migrations.head_revision())
        assert cat.get_asset(1).value(Field.ARTIST) == "Claude Monet"
        assert [d.new_value for d in cat.history(1)] == ["Claude Monet"]
        # The new columns work on the migrated data: undo needs batch ids and `undoes`.
        cat.set_field(1, Field.ARTIST, "Renoir", Provenance.CURATOR, reviewer="ann",
                      action=Action.EDIT)  # fmt: skip
        assert cat.undo("ann").fields
        assert cat.get_asset(1).value(Field.ARTIST) == "Claude Monet"
        assert cat.integrity_check() == []
    if cat.is_sqlite:
        backup = result.backup
        assert backup is not None and backup.exists()
        assert backup.parent == Path(catalogue_url).parent
        assert "backup-" in backup.name and "rev0001" in backup.name
        with sqlite3.connect(backup) as conn:  # the backup is the old catalogue, intact
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
            assert conn.execute("SELECT count(*) FROM assets").fetchone() == (1,)
    with Catalogue.open(catalogue_url) as again:  # already current: no second backup
        assert not again.migration.migrated and again.migration.backup is None


def test_newer_catalogue_is_refused_naming_the_version(catalogue_url: str) -> None:
    Catalogue.open(catalogue_url).close()
    engine = db.create_engine(catalogue_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
        conn.execute(sa.text("UPDATE catalogue_info SET value = '9.1.0' WHERE key = :k"),
                     {"k": migrations.SCHEMA_WRITTEN_BY})  # fmt: skip
    engine.dispose()
    with pytest.raises(CatalogueTooNewError) as info:
        Catalogue.open(catalogue_url)
    msg = str(info.value)
    assert "0099" in msg and "heritage_desk 9.1.0 or newer" in msg and __version__ in msg
    assert "\n" not in msg


def test_written_by_is_recorded(catalogue_url: str) -> None:
    with Catalogue.open(catalogue_url) as cat, cat._engine.connect() as conn:
        got = conn.execute(sa.text("SELECT value FROM catalogue_info")).scalar()
    assert got == __version__


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
    with pytest.raises(NotACatalogueError, match="not a heritage_desk catalogue"):
        Catalogue.open(path)


def test_sqlite_pragmas(tmp_path: Path) -> None:
    with Catalogue.open(tmp_path / "c.sqlite") as cat, cat._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS


def test_resolve_url() -> None:
    assert db.resolve_url("/tmp/x.sqlite").get_backend_name() == "sqlite"
    url = db.resolve_url("postgresql+psycopg://u:secret@h/db")
    assert url.get_backend_name() == "postgresql"
    assert "secret" not in db.display_location(url)
