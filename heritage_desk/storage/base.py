"""The one session scope every catalogue repository shares: engine, sessions, transaction."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from heritage_desk.core.redact import redact
from heritage_desk.storage import db, migrations
from heritage_desk.storage.errors import (
    CatalogueDamagedError,
    CatalogueError,
    CatalogueLockedError,
    CatalogueReadOnlyError,
    NotACatalogueError,
)


class Scope:
    """An engine, a writer engine (SQLite BEGIN IMMEDIATE) and the current transaction."""

    def __init__(self, engine: sa.Engine, migration: migrations.MigrationResult) -> None:
        self._engine = engine
        self._writer = db.writer(engine)
        self._tx: Session | None = None
        self.url: URL = engine.url
        self.location: str = db.display_location(engine.url)
        self.migration = migration
        self.busy_timeout_ms = db.BUSY_TIMEOUT_MS
        #: Why the catalogue can only be read ("read-only folder"/"read-only file"), or None.
        self.read_only: str | None = db.is_read_only(engine)

    def close(self) -> None:
        """Release every connection (SQLite checkpoints its WAL when the last one closes)."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    @property
    def is_sqlite(self) -> bool:
        return db.is_sqlite(self.url)

    def __repr__(self) -> str:
        return f"<Catalogue {self.location}>"

    # -- sessions -----------------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        """True inside transaction(): what is read there may still roll back."""
        return self._tx is not None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group many calls into one transaction (fast bulk import; all or nothing)."""
        if self._tx is not None:
            yield
            return
        with self.session(write=True) as session:
            self._tx = session
            try:
                yield
            finally:
                self._tx = None

    def _refuse_writes(self) -> None:
        if self.read_only:
            raise CatalogueReadOnlyError(read_only_message(self.location, self.read_only))

    @contextlib.contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session in the current transaction, else a new one committed on exit."""
        if write:
            self._refuse_writes()
        if self._tx is not None:
            yield self._tx
            return
        try:
            bind = self._writer if write else self._engine
            with Session(bind, expire_on_commit=False) as s, s.begin():
                yield s
        except sa.exc.DBAPIError as exc:
            raise as_catalogue_error(self.location, exc, self.busy_timeout_ms) from exc


class Repository:
    """One concept's rows, read and written through the catalogue's shared scope."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope


def read_only_message(name: str, reason: str) -> str:
    """The one line telling a curator why a change cannot be saved."""
    return (
        f"{name} is read-only ({reason}): it can be viewed and exported but not changed; "
        "copy it to a writable folder to edit it"
    )


#: What PostgreSQL drivers say when the server ended the connection (restart, terminate).
_CONNECTION_LOST = (
    "terminating connection",
    "server closed the connection",
    "connection is closed",
    "the database system is shutting down",
    "the database system is starting up",
    "consuming input failed",
    "Connection refused",
)


def as_catalogue_error(
    name: str, exc: sa.exc.DBAPIError, busy_timeout_ms: int = db.BUSY_TIMEOUT_MS
) -> CatalogueError:
    """A one-line CatalogueError from a driver error."""
    text = redact(str(exc.orig) if exc.orig is not None else str(exc))
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if "locked" in first or "busy" in first:
        return CatalogueLockedError(
            f"{name} is locked by another program (waited {busy_timeout_ms / 1000:g} s); "
            "close it there or try again"
        )
    if "readonly" in first or "read-only" in first:
        return CatalogueReadOnlyError(read_only_message(name, first))
    if exc.connection_invalidated or any(m in first for m in _CONNECTION_LOST):
        return CatalogueError(
            f"{name}: the connection to the database server was lost ({first}); the "
            "interrupted transaction was rolled back and nothing of it was saved: try again "
            "when the server is back (an import resumes where it stopped)"
        )
    if "disk is full" in first or "disk I/O error" in first:
        return CatalogueError(
            f"{name}: {first} (a full disk, or a drive that failed or went away?): the "
            "interrupted change was rolled back, nothing of it saved; free space or reconnect "
            "the drive, then try again"
        )
    if db.is_damage(first):
        return CatalogueDamagedError.of(name, first)
    if "file is not a database" in first or "file is encrypted" in first:
        return NotACatalogueError(f"{name} is not a heritage_desk catalogue ({first})")
    return CatalogueError(f"{name}: {first}")
