"""Engines for a catalogue named by a file path or a SQLAlchemy URL (SQLite WAL or PostgreSQL)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine

from heritage_desk import config

#: How long a SQLite writer waits for another one before "database is locked" (ms).
BUSY_TIMEOUT_MS = 10_000
#: Execution option naming how a SQLite transaction begins (DEFERRED or IMMEDIATE).
SQLITE_BEGIN = "heritage_sqlite_begin"
#: Execution option set on engines of a catalogue that can only be read (see read_only_reason).
READ_ONLY = "heritage_read_only"


def resolve_url(location: str | Path | URL | None = None) -> URL:
    """The URL of a catalogue: None is the default file, a plain path is a SQLite file."""
    if isinstance(location, URL):
        return location
    if location is None:
        location = config.paths().default_catalogue
    text = str(location)
    if "://" in text:
        return sa.make_url(text)
    path = Path(text).expanduser().resolve()
    return URL.create("sqlite+pysqlite", database=str(path))


def is_sqlite(url: URL) -> bool:
    """True when `url` names a SQLite database."""
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for in-memory databases and other backends."""
    if not is_sqlite(url) or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def display_location(url: URL) -> str:
    """A name for messages and window titles: the file, or the URL without its password."""
    path = sqlite_path(url)
    return str(path) if path else url.render_as_string(hide_password=True)


def read_only_reason(path: Path) -> str | None:
    """Why an existing SQLite catalogue can only be read ("read-only file"/"...folder"), or None.

    A read-only share, a CD or an archive folder: SQLite would fail to open such a file at all
    ("unable to open database file": WAL needs to create its -shm file next to it).
    """
    if not path.is_file():
        return None
    if not os.access(path.parent, os.W_OK):
        return "read-only folder"
    if not os.access(path, os.W_OK):
        return "read-only file"
    return None


def _read_only_uri(path: Path) -> str:
    """A URI opening `path` read-only; immutable when not even WAL's -shm file can be made."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    shm = path.with_name(path.name + "-shm")
    if not os.access(path.parent, os.W_OK) and not shm.exists():
        # Nobody can be writing here either (a writer needs the -shm file): immutable is safe.
        uri += "&immutable=1"
    return uri


def _install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int, *, read_only: bool) -> None:
    """Foreign keys, WAL and a busy timeout on every connection; BEGIN issued by us."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Driver-level autocommit: pysqlite's own implicit BEGIN would defeat BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if not read_only:  # switching the journal mode writes to the file
            cur.execute("PRAGMA journal_mode=WAL")
            # Safe with WAL: only the last commit may roll back.
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        # Writers take the lock at BEGIN so that a read-then-write never fails half-way.
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        if read_only:  # BEGIN IMMEDIATE needs the write lock, which a read-only file never gives
            mode = "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def create_engine(
    location: str | Path | URL | None = None,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    **kwargs: Any,
) -> Engine:
    """An engine for a catalogue location, with the pragmas the catalogue relies on.

    An existing SQLite file that cannot be written (see read_only_reason) is opened read-only;
    such an engine carries the READ_ONLY execution option (see is_read_only).
    """
    url = resolve_url(location)
    if is_sqlite(url):
        path = sqlite_path(url)
        reason = read_only_reason(path) if path is not None else None
        if path is not None and reason is None:
            path.parent.mkdir(parents=True, exist_ok=True)
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("timeout", busy_timeout_ms / 1000)
        # One executor thread owns the catalogue, but tests and workers may cross threads.
        connect_args.setdefault("check_same_thread", False)
        if path is not None and reason is not None:
            uri, args = _read_only_uri(path), dict(connect_args)
            # The URL keeps naming the plain file (messages, backups); the driver gets the URI.
            kwargs["creator"] = lambda: sqlite3.connect(uri, uri=True, **args)
            kwargs.setdefault("execution_options", {})[READ_ONLY] = reason
        engine = sa.create_engine(url, **kwargs)
        _install_sqlite_pragmas(engine, busy_timeout_ms, read_only=reason is not None)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def is_read_only(engine: Engine) -> str | None:
    """Why the catalogue behind `engine` was opened read-only, or None when it can be written."""
    reason = engine.get_execution_options().get(READ_ONLY)
    return str(reason) if reason else None


#: Up to this size a catalogue is quick_checked when `info` or the window opens it (~0.3 s per
#: 200 MB here): damage is said before counts are shown or a decision is saved into it; a
#: larger file fails only when a damaged page is read (same message). Writers always check.
QUICK_CHECK_MAX_BYTES = 512 * 2**20
#: What SQLite says when it reads a damaged page.
_DAMAGE = ("malformed", "database corruption", "disk image")


def is_damage(exc: BaseException | str) -> bool:
    """True for the driver error SQLite raises on reading a damaged page."""
    return any(m in str(exc) for m in _DAMAGE)


def quick_check(conn: sa.Connection, max_bytes: int | None = None) -> str | None:
    """The first problem PRAGMA quick_check finds in a SQLite catalogue, else None (also for
    PostgreSQL, and for a file over `max_bytes`: its reads still fail with the same message).

    quick_check reads every page but skips the index-vs-table cross-check integrity_check does:
    about 0.3 s for a 200 MB file here, 9x faster than integrity_check.
    """
    if conn.dialect.name != "sqlite":
        return None
    path = sqlite_path(conn.engine.url)
    if max_bytes is not None and path is not None:
        wal = path.with_name(path.name + "-wal")
        size = sum(p.stat().st_size for p in (path, wal) if p.exists())
        if size > max_bytes:
            return None
    try:
        rows = conn.exec_driver_sql("PRAGMA quick_check(5)").fetchall()
    except sa.exc.DBAPIError as exc:
        if not is_damage(exc):
            raise
        return str(exc.orig or exc).strip().splitlines()[0]
    lines = [ln.strip() for r in rows for ln in str(r[0]).splitlines()]
    bad = [ln for ln in lines if ln and ln != "ok" and not ln.startswith("*** in database")]
    return bad[0][:160] if bad else None


def writer(engine: Engine) -> Engine:
    """The same engine, but SQLite transactions begin IMMEDIATE (take the write lock first)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    return engine
