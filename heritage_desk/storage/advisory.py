"""A PostgreSQL session advisory lock for one catalogue, with a note saying who holds it.

The lock lives on a connection of its own, kept open while held: the server releases it when
that connection ends in any way (the process killed with SIGKILL, the machine gone, the
network cut), so a crashed holder never leaves it taken. The note ("who, where, since") is
a row in catalogue_info written after the lock is won; a waiting side reads it only while the
lock is taken, so a note left by a dead holder is never shown.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from heritage_desk.storage.orm import CatalogueInfoRow

if TYPE_CHECKING:
    from heritage_desk.storage.catalogue import Catalogue


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock from a name ("heritage_desk.retrain")."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class AdvisoryLock:
    """pg_try_advisory_lock on a dedicated connection; never waits."""

    def __init__(self, catalogue: Catalogue, name: str) -> None:
        self._engine = sa.create_engine(
            catalogue.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        self.name = name
        self.key = lock_key(name)
        self._conn: sa.Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def try_acquire(self, note: str) -> bool:
        """Take the lock and leave `note` for others; False at once when someone holds it."""
        if self._conn is not None:
            return False
        conn = self._engine.connect()
        try:
            got = bool(conn.scalar(sa.select(sa.func.pg_try_advisory_lock(self.key))))
            if not got:
                conn.close()
                return False
            stmt = insert(CatalogueInfoRow).values(key=self._note_key, value=note)
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": note}))
        except BaseException:
            conn.close()  # closing the session frees a lock it may have won
            raise
        self._conn = conn
        return True

    def release(self) -> None:
        """Give the lock back (nothing when not held)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:  # the note goes first: an asker never reads it while a later holder notes
            conn.execute(sa.delete(CatalogueInfoRow).where(CatalogueInfoRow.key == self._note_key))
            conn.scalar(sa.select(sa.func.pg_advisory_unlock(self.key)))
        except sa.exc.DBAPIError:
            pass  # the connection is gone, and the lock with it
        finally:
            conn.close()

    @property
    def _note_key(self) -> str:
        return f"lock:{self.name}"

    def note(self, patience: float = 2.0) -> str:
        """What the current holder wrote ("" when nobody holds the lock or it wrote nothing).

        A holder writes its note just after winning the lock: a loser that asks in between
        waits up to `patience` seconds for it rather than naming nobody.
        """
        deadline = time.monotonic() + patience
        while True:
            note = self._read_note()
            if note is not None:
                return note
            if time.monotonic() >= deadline:
                return ""
            time.sleep(0.05)

    def taken(self) -> bool:
        """True when some session holds the lock now: a look at pg_locks that takes nothing,
        so asking never makes another's try_acquire fail (a probe by taking it did: a
        curator starting at the same moment was told "already running" by nobody)."""
        with self._engine.connect() as conn:
            return self._taken(conn)

    def _taken(self, conn: sa.Connection) -> bool:
        return bool(
            conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND database = (SELECT oid FROM pg_database WHERE datname = "
                    "current_database()) AND classid::bigint = :hi AND objid::bigint = :lo "
                    "AND objsubid = 1"
                ),
                {"hi": (self.key >> 32) & 0xFFFFFFFF, "lo": self.key & 0xFFFFFFFF},
            )
        )

    def _read_note(self) -> str | None:
        """The holder's note; "" when nobody holds the lock; None when held but not yet noted."""
        with self._engine.connect() as conn:
            if not self._taken(conn):
                return ""
            value = conn.scalar(
                sa.select(CatalogueInfoRow.value).where(CatalogueInfoRow.key == self._note_key)
            )
        return str(value) if value else None

    def dispose(self) -> None:
        """Release and close the engine."""
        self.release()
        self._engine.dispose()
