"""A real child process for fault injection: `python -m tests.reliability.child VERB ARGS...`.

With HERITAGE_PAUSE_AT=N it stops right after its Nth SQL statement (inside whatever
transaction is open), prints "PAUSED N" and sleeps, so the parent can `kill -9` it at an exact
point; without it, it runs to the end and prints "STATEMENTS <count>". Lines starting with
"CONFIRMED" are printed only after the call that made a decision has returned (committed):
those decisions must survive any kill.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

_count = [0]
_pause_at = int(os.environ.get("HERITAGE_PAUSE_AT", "0") or 0)


def say(*parts: object) -> None:
    print(*parts, flush=True)


@event.listens_for(sa.engine.Engine, "after_cursor_execute")
def _after(*_: Any) -> None:
    _count[0] += 1
    if _pause_at and _count[0] == _pause_at:
        say("PAUSED", _count[0])
        # With HERITAGE_RESUME_WHEN=FILE: go on once FILE exists (the parent did something to
        # the server meanwhile, e.g. ended our connection), else wait to be killed.
        resume = os.environ.get("HERITAGE_RESUME_WHEN")
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline and not (resume and Path(resume).exists()):
            time.sleep(0.05)


def cmd_import(cat_path: str, images: str, csv_path: str) -> None:
    from heritage_desk.storage import importer
    from heritage_desk.storage.catalogue import Catalogue
    from heritage_desk.storage.errors import CatalogueError

    importer.BATCH = int(os.environ.get("HERITAGE_IMPORT_BATCH", importer.BATCH))
    try:
        with Catalogue.open(cat_path) as cat:
            report = importer.import_collection(cat, images, csv_path or None)
    except CatalogueError as exc:  # what the CLI and the window show: one line
        say("ERROR", str(exc).replace("\n", " | "))
        sys.exit(3)
    say("IMPORTED", report.added, report.updated, len(report.problems))


def cmd_export(cat_path: str, out: str) -> None:
    from heritage_desk.storage import exporter
    from heritage_desk.storage.catalogue import Catalogue

    exporter.PAGE = int(os.environ.get("HERITAGE_EXPORT_PAGE", exporter.PAGE))
    with Catalogue.open(cat_path, create=False) as cat:
        report = exporter.export_csv(cat, out)
    say("EXPORTED", report.rows)


def cmd_accept(cat_path: str, reviewer: str) -> None:
    """Accept the top suggestion of every asset, editing every third one instead."""
    from heritage_desk.core.model import Field
    from heritage_desk.core.query import AssetQuery
    from heritage_desk.services.review import ReviewService
    from heritage_desk.storage.catalogue import Catalogue

    with Catalogue.open(cat_path, create=False) as cat:
        review = ReviewService(cat)
        for asset_id in cat.asset_ids(AssetQuery(has_suggestions=True)):
            for field in (Field.ARTIST, Field.DATE):
                open_ones = cat.suggestions(asset_id, field)
                if not open_ones or cat.get_field(asset_id, field) is not None:
                    continue
                if asset_id % 3 == 2:
                    value = f"edited {asset_id} {field.value}"
                    review.edit(asset_id, field, value, reviewer, expected_old=None)
                else:
                    value = open_ones[0].value
                    review.accept(asset_id, field, open_ones[0], reviewer, expected_old=None)
                last = cat.last_decisions(1, reviewer=reviewer)[0]
                say("CONFIRMED", last.id, asset_id, field.value, value)


def cmd_batch(cat_path: str, reviewer: str) -> None:
    from heritage_desk.core.query import AssetQuery
    from heritage_desk.services.review import ReviewService
    from heritage_desk.storage.catalogue import Catalogue

    with Catalogue.open(cat_path, create=False) as cat:
        changes = ReviewService(cat).batch_accept(AssetQuery(), 0.0, reviewer)
        say("CONFIRMED", "batch", len(changes.asset_ids))


def cmd_migrate(cat_path: str) -> None:
    from heritage_desk.storage.catalogue import Catalogue

    with Catalogue.open(cat_path, create=False) as cat:
        say("MIGRATED", cat.migration.from_revision, cat.migration.to_revision)


def cmd_migrate_backup_pause(cat_path: str) -> None:
    """Migrate, but copy the backup one page at a time and pause half-way through it."""
    import sqlite3

    from heritage_desk.storage import migrations
    from heritage_desk.storage.catalogue import Catalogue

    real_connect = sqlite3.connect

    class _Src:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self._conn = conn

        def backup(self, dst: sqlite3.Connection) -> None:
            def progress(_status: int, remaining: int, total: int) -> None:
                if remaining <= total // 2:
                    say("PAUSED", "backup", remaining, total)
                    time.sleep(3600)

            self._conn.backup(dst, pages=1, progress=progress)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._conn, name)

    class _Shim:
        def __getattr__(self, name: str) -> Any:
            return getattr(sqlite3, name)

        @staticmethod
        def connect(path: str, *a: Any, **kw: Any) -> Any:
            conn = real_connect(path, *a, **kw)
            return _Src(conn) if Path(path) == Path(cat_path) else conn

    migrations.sqlite3 = _Shim()  # type: ignore[assignment]
    with Catalogue.open(cat_path, create=False) as cat:
        say("MIGRATED", cat.migration.from_revision, cat.migration.to_revision)


def cmd_hold(cat_path: str, seconds: str) -> None:
    """Open the catalogue and make one curator edit inside a long write transaction."""
    from heritage_desk.core.model import Field, Provenance
    from heritage_desk.storage.catalogue import Catalogue

    with Catalogue.open(cat_path) as cat, cat.transaction():
        cat.set_field(1, Field.TITLE, "held", Provenance.CURATOR)
        say("HOLDING")
        time.sleep(float(seconds))
    say("RELEASED")


def cmd_retrain_lock(models: str, catalogue: str) -> None:
    """Hold a catalogue's retrain lock (as another app's retrain would) until stdin closes."""
    from heritage_desk.services.retrain_lock import RetrainLock

    with RetrainLock(Path(models), catalogue):
        say("LOCKED", os.getpid())
        sys.stdin.read()  # EOF: the parent closed it, or died
    say("UNLOCKED")


def cmd_race(cat_path: str, reviewer: str, rank: str, start_at: str) -> None:
    """Accept candidate `rank` of every asset's artist, as if the field were still empty."""
    from heritage_desk.core.model import Field
    from heritage_desk.services.review import ReviewService
    from heritage_desk.storage.catalogue import Catalogue
    from heritage_desk.storage.errors import ConflictError

    with Catalogue.open(cat_path, create=False) as cat:
        review = ReviewService(cat)
        ids = cat.asset_ids()
        time.sleep(max(0.0, float(start_at) - time.time()))  # both curators start together
        for asset_id in ids:
            sug = cat.suggestions(asset_id, Field.ARTIST, include_rejected=True)[int(rank) - 1]
            try:
                review.accept(asset_id, Field.ARTIST, sug, reviewer, expected_old=None)
            except ConflictError as exc:
                say("CONFLICT", asset_id, str(exc).replace("\n", " "))
            else:
                say("CONFIRMED", asset_id, sug.value)


def cmd_retrain(cat_path: str, cache: str, starter: str, models: str) -> None:
    """The app's retrain: prints PROGRESS at the first report so the parent can kill us."""
    from heritage_desk.services.retrain import RetrainService, RetrainSettings
    from heritage_desk.services.suggestions import SuggestionService
    from heritage_desk.storage.catalogue import Catalogue

    said = [False]

    def progress(_p: Any) -> None:
        if not said[0]:
            said[0] = True
            say("PROGRESS")

    with Catalogue.open(cat_path) as cat:
        svc = SuggestionService(cat, cache_dir=cache, starter=starter)
        settings = RetrainSettings(num_threads=1, epochs=100_000)
        result = RetrainService(cat, svc, models_dir=Path(models), settings=settings).retrain(
            progress, refresh=False
        )
    say("RESULT", result.status)


def main() -> None:
    verb, *args = sys.argv[1:]
    {
        "import": cmd_import,
        "export": cmd_export,
        "accept": cmd_accept,
        "batch": cmd_batch,
        "migrate": cmd_migrate,
        "migrate-backup-pause": cmd_migrate_backup_pause,
        "hold": cmd_hold,
        "race": cmd_race,
        "retrain": cmd_retrain,
        "retrain-lock": cmd_retrain_lock,
    }[verb](*args)
    say("STATEMENTS", _count[0])


if __name__ == "__main__":
    main()
