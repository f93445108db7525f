"""The maintenance repository, for `heritage-desk check`: database integrity, orphan rows."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from heritage_desk.storage import db
from heritage_desk.storage.base import Repository
from heritage_desk.storage.errors import CatalogueDamagedError

#: Every link between rows that a foreign key guards: (table, column, parent table).
ORPHAN_LINKS = (
    ("suggestions", "asset_id", "assets"),
    ("field_values", "asset_id", "assets"),
    ("field_values", "artist_id", "artists"),
    ("artist_aliases", "artist_id", "artists"),
    ("decisions", "asset_id", "assets"),
    ("decisions", "undoes", "decisions"),
)
#: Orphans whose repair loses no work: derived rows deleted, artist links cleared.
REPAIRABLE_ORPHANS = ORPHAN_LINKS[:4]


class MaintenanceRepository(Repository):
    """What a check reads and repairs: database integrity, orphan rows."""

    def integrity_check(self) -> list[str]:
        """Problems found in the database, one line each; [] when it is sound."""
        problems: list[str] = []
        with self._scope.session() as s:
            if self._scope.is_sqlite:
                # Rows may hold several lines; cap them, a wrecked file reports thousands.
                rows = s.execute(sa.text("PRAGMA integrity_check(200)"))
                lines = [ln for r in rows for ln in str(r[0]).splitlines()]
                problems += [f"integrity: {ln}" for ln in lines if ln.strip() and ln != "ok"]
                for table, rowid, parent, _ in s.execute(sa.text("PRAGMA foreign_key_check")):
                    problems.append(f"foreign key: {table} row {rowid} points to missing {parent}")
        return problems

    def ensure_sound(self, max_bytes: int | None = None) -> None:
        """CatalogueDamagedError when PRAGMA quick_check finds damage (SQLite), before a writer
        adds to a damaged file or `info` prints counts from one; a file over `max_bytes` is
        not checked (reading a damaged page still raises the same error)."""
        with self._scope.session() as s:
            problem = db.quick_check(s.connection(), max_bytes)
        if problem:
            raise CatalogueDamagedError.of(self._scope.location, problem)

    # -- orphans ------------------------------------------------------------------------------

    def orphan_ids(self, table: str, column: str, parent: str) -> list[int]:
        """Ids of `table` rows whose `column` names a `parent` row that is gone, ascending.

        Possible only when the file was edited with foreign keys off. (table, column, parent)
        must be one of ORPHAN_LINKS.
        """
        with self._scope.session() as s:
            return _orphan_ids(s, table, column, parent)

    def repair_orphans(self, table: str, column: str, parent: str) -> list[int]:
        """Delete derived rows whose parent is gone, or unlink artist values from a missing
        artist (the names are kept); returns the ids repaired. Decisions (the audit trail)
        are never touched: ValueError for them, as for any link not in REPAIRABLE_ORPHANS.
        """
        if (table, column, parent) not in REPAIRABLE_ORPHANS:
            raise ValueError(f"{table}.{column} -> {parent} orphans are not repaired")
        with self._scope.session(write=True) as s:
            ids = _orphan_ids(s, table, column, parent)
            t = sa.table(table, sa.column("id"), sa.column(column))
            for start in range(0, len(ids), 500):
                chunk = t.c.id.in_(ids[start : start + 500])
                if table == "field_values" and column == "artist_id":
                    s.execute(sa.update(t).where(chunk).values({column: None}))
                else:
                    s.execute(sa.delete(t).where(chunk))
            return ids


def _orphan_ids(s: Session, table: str, column: str, parent: str) -> list[int]:
    if (table, column, parent) not in ORPHAN_LINKS:
        raise ValueError(f"{table}.{column} -> {parent} is not a link of the catalogue")
    t = sa.table(table, sa.column("id"), sa.column(column))
    # A self-link (decisions.undoes -> decisions) needs an alias, or the subquery compares
    # each row with itself and every undo reads as an orphan.
    p = sa.table(parent, sa.column("id")).alias("parent_row")
    stmt = (
        sa.select(t.c.id)
        .where(t.c[column].is_not(None), ~sa.exists().where(p.c.id == t.c[column]))
        .order_by(t.c.id)
    )
    return [int(i) for i in s.scalars(stmt)]
