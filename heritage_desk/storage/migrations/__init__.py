"""Schema migrations run at open: back up first, upgrade to head, refuse a newer catalogue."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from heritage_desk import __version__
from heritage_desk.core.atomic import atomic_path
from heritage_desk.storage import db
from heritage_desk.storage.errors import (
    CatalogueDamagedError,
    CatalogueError,
    CatalogueReadOnlyError,
    CatalogueTooNewError,
    NotACatalogueError,
)

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
#: catalogue_info key: the app version that last migrated (so wrote) the schema.
SCHEMA_WRITTEN_BY = "schema_written_by"


@dataclass(frozen=True)
class MigrationResult:
    """What opening did to the schema."""

    from_revision: str | None
    to_revision: str
    backup: Path | None = None

    @property
    def migrated(self) -> bool:
        return self.from_revision != self.to_revision


def alembic_config() -> Config:
    """An Alembic config that needs no alembic.ini: the script folder is this package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    """The newest schema revision this app knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every revision this app can migrate from."""
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored in the catalogue, or None when it has none."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _user_tables(engine: Engine) -> list[str]:
    return [
        t for t in sa.inspect(engine).get_table_names() if not t.startswith(("sqlite_", "alembic"))
    ]


def _written_by(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT value FROM catalogue_info WHERE key = :k"),
                {"k": SCHEMA_WRITTEN_BY},
            ).scalar()
    except sa.exc.DBAPIError:
        return None


def backup_sqlite(path: Path, revision: str | None) -> Path:
    """A consistent copy of a SQLite catalogue next to it, named with a timestamp.

    The copy is written under a temp name (".NAME.XXXXXXXX.tmp", which `check` tidies up),
    fsynced and renamed, so a file named like a backup is always a complete one.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.stem}.backup-{stamp}-rev{revision}{path.suffix}")
    with atomic_path(target) as tmp:
        # The backup API copies the WAL's committed pages too, which a plain file copy may miss.
        src = sqlite3.connect(str(path))
        try:
            dst = sqlite3.connect(str(tmp))
            try:
                src.backup(dst)
                # The copy is a rollback-journal database: one self-contained file.
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
    return target


def _size(path: Path) -> str:
    """A file's size in words ("12.3 MB")."""
    try:
        return f"{path.stat().st_size / 1e6:.1f} MB"
    except OSError:
        return "its size"


def migrate(
    engine: Engine, *, target: str = "head", backup: bool = True, name: str = ""
) -> MigrationResult:
    """Bring the catalogue behind `engine` to `target`; back up an existing SQLite file first."""
    name = name or db.display_location(engine.url)
    current = current_revision(engine)
    if current is None and _user_tables(engine):
        raise NotACatalogueError(f"{name} is not a heritage_desk catalogue (no schema revision)")
    if current is not None and current not in known_revisions():
        needed = _written_by(engine)
        need = f"heritage_desk {needed} or newer" if needed else "a newer heritage_desk"
        raise CatalogueTooNewError(
            f"{name} has schema revision {current}, newer than this heritage_desk "
            f"{__version__} knows (up to {head_revision()}): open it with {need}"
        )
    wanted = head_revision() if target == "head" else target
    if current == wanted:
        return MigrationResult(current, wanted)
    reason = db.is_read_only(engine)
    if reason:
        what = f"an upgrade from schema revision {current}" if current else "a schema"
        raise CatalogueReadOnlyError(
            f"{name} is read-only ({reason}) and needs {what} to open with this "
            f"heritage_desk {__version__}: copy it to a writable folder and open the copy"
        )
    backup_path = None
    path = db.sqlite_path(engine.url)
    if current is not None and path is not None:
        with engine.connect() as conn:  # neither back up nor upgrade a damaged file
            problem = db.quick_check(conn)
        if problem:
            raise CatalogueDamagedError.of(name, problem)
    if backup and current is not None and path is not None and path.exists():
        try:
            backup_path = backup_sqlite(path, current)
        except (OSError, sqlite3.Error) as exc:  # a full disk: the temp copy is gone already
            why = getattr(exc, "strerror", None) or str(exc)
            raise CatalogueError(
                f"cannot back up {name} before migrating it to this heritage_desk ({why}): "
                f"nothing was changed; free {_size(path)} beside it (the backup is a whole "
                "copy) and open it again"
            ) from None
        log.info("backed up %s to %s before migrating from %s", name, backup_path, current)
    elif current is not None and path is None:
        # A server database cannot be copied as a file: its administrator's dumps are the backup.
        log.warning("migrating %s from %s without a backup copy (use pg_dump first)", name, current)
    _upgrade(engine, target)
    log.info("migrated %s from %s to %s", name, current, wanted)
    return MigrationResult(current, wanted, backup_path)


def _upgrade(engine: Engine, target: str) -> None:
    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            # Table copies in batch mode must not fire ON DELETE actions; checked after.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                if not sqlite:
                    # Two apps opening one shared catalogue at once: one migrates, one waits.
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(4842021)"))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, target)
                if target == "head" and "catalogue_info" in sa.inspect(conn).get_table_names():
                    _set_info(conn, SCHEMA_WRITTEN_BY, __version__)
                if sqlite:
                    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if bad:
                        raise NotACatalogueError(f"migration broke foreign keys: {bad[:5]}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def _set_info(conn: sa.Connection, key: str, value: str) -> None:
    conn.execute(sa.text("DELETE FROM catalogue_info WHERE key = :k"), {"k": key})
    conn.execute(
        sa.text("INSERT INTO catalogue_info (key, value) VALUES (:k, :v)"), {"k": key, "v": value}
    )
