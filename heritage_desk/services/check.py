"""`heritage-desk check`: database integrity, image files, orphan rows, leftover temp files.

Qt-free. It repairs only what cannot lose a curator's work (derived rows without their asset,
temp files nobody is writing, an image that moved but kept its content) and says what it did;
everything else is reported for a person to decide, and makes `CheckReport.ok` false.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

from heritage_desk.core.progress import CancelToken, ProgressCallback, no_progress
from heritage_desk.services.check_images import check_images
from heritage_desk.services.check_report import CheckOptions, CheckReport, Finding
from heritage_desk.services.model_store import ModelStore, ModelUnavailableError, models_folder
from heritage_desk.services.retrain_lock import RetrainBusyError, retrain_lock
from heritage_desk.services.suggestion_model import default_starter
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueDamagedError, CatalogueError
from heritage_desk.storage.maintenance import ORPHAN_LINKS, REPAIRABLE_ORPHANS

#: mkstemp names our atomic writers use: ".<target>.<8 random chars>.tmp" (core.atomic,
#: exporter, checkpoint), for targets of the kinds we write: another program's
#: ".letter.docx.1a2b3c4d.tmp" has the same shape and is not ours to delete.
_OUR_TEMP = re.compile(r"^\.(?P<target>.+)\.[A-Za-z0-9_]{8}\.tmp$")
_OUR_TARGETS = (".csv", ".json", ".safetensors", ".sqlite", ".sqlite3", ".db")
#: Artist values linked to an artist row that is gone: the link is cleared, the name kept.
_ARTIST_LINK = ("field_values", "artist_id", "artists")
#: Rows that are derived data: without their parent they mean nothing and can go.
_DERIVED_ORPHANS = tuple(link for link in REPAIRABLE_ORPHANS if link != _ARTIST_LINK)
#: Rows that are the audit trail: never deleted, only reported.
_KEPT_ORPHANS = tuple(link for link in ORPHAN_LINKS if link not in REPAIRABLE_ORPHANS)


def check_location(
    location: str | Path,
    options: CheckOptions | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> CheckReport:
    """Open the catalogue at `location` and check it; a file that cannot be opened is a problem."""
    from heritage_desk.storage import db

    url = db.resolve_url(str(location))
    report = CheckReport(db.display_location(url))
    path = db.sqlite_path(url)
    if path is not None and not path.exists():
        report.add("problem", "catalogue", report.catalogue, "no such catalogue file")
        return report
    try:
        cat = Catalogue.open(str(location), create=False)
    except CatalogueError as exc:
        report.add("problem", "integrity", report.catalogue, f"cannot open: {exc}")
        if path is not None:
            _list_backups(path, report)
        return report
    with cat:
        return check_catalogue(cat, options, progress, cancel, report=report)


def check_catalogue(
    cat: Catalogue,
    options: CheckOptions | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    *,
    report: CheckReport | None = None,
) -> CheckReport:
    """Check an open catalogue and repair what is safe (see the module docstring)."""
    opts = options or CheckOptions()
    report = report or CheckReport(cat.location)
    writable = opts.repair and _writable(cat, report)
    try:
        _integrity(cat, report)
        _orphans(cat, report, repair=writable)
        check_images(cat, opts, report, progress, cancel, repair=writable)
    except CatalogueError as exc:
        report.add("problem", "integrity", cat.location, str(exc))
    models = _models_dir(cat, opts)
    db = Path(cat.url.database).name if cat.is_sqlite and cat.url.database else ""
    for folder in _temp_folders(cat, opts):
        if folder != models:
            _temp_files(folder, report, opts, all_tmp=False, catalogue_name=db)
            continue
        # A retrain (here or in another process) writes its checkpoint there: leave it alone.
        lock = retrain_lock(cat, folder)
        try:
            with lock:
                _temp_files(folder, report, opts, all_tmp=True)
        except RetrainBusyError as exc:
            report.add("note", "temp file", str(folder), f"not swept: {exc}")
    _models(cat, report, ModelStore(cat, folder=models, starter=default_starter()))
    return report


# -- database -------------------------------------------------------------------------------


def _writable(cat: Catalogue, report: CheckReport) -> bool:
    """False (with a note) when repairs cannot be written: a read-only file or folder."""
    path = Path(cat.url.database) if cat.is_sqlite and cat.url.database else None
    if path is None or str(path) == ":memory:":
        return True
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        report.add("note", "read-only", cat.location, "catalogue is read-only: nothing repaired")
        return False
    return True


def _integrity(cat: Catalogue, report: CheckReport) -> None:
    try:
        lines = cat.integrity_check()
    except CatalogueDamagedError as exc:  # integrity_check itself stopped on a damaged page
        lines = [f"integrity: {exc.detail}"]
    for line in lines:
        if not line.startswith("foreign key"):  # those are _orphans' (with row ids and repairs)
            report.add("problem", "integrity", cat.location, line)
    if any(f.kind == "integrity" for f in report.problems) and cat.is_sqlite and cat.url.database:
        _list_backups(Path(cat.url.database), report)


def _list_backups(path: Path, report: CheckReport) -> None:
    """Name the newest backup that is itself sound (a backup cut off half-way is not)."""
    backups = sorted(path.parent.glob(f"{path.stem}.backup-*{path.suffix}"), reverse=True)
    for b in backups:
        if _sound_backup(b):
            report.add("note", "backup", str(path), f"latest sound backup to restore from: {b}")
            return
        report.add("note", "backup", str(b), "this backup is damaged or empty: do not restore it")


def _sound_backup(path: Path) -> bool:
    """True when `path` opens read-only, passes quick_check and has a schema revision."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()
        rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return ok == ("ok",) and rev is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _orphans(cat: Catalogue, report: CheckReport, *, repair: bool) -> None:
    """Rows whose parent is gone (possible when a file was edited with foreign keys off)."""
    # Repairs run as one transaction: all of them or none.
    with cat.transaction() if repair else contextlib.nullcontext():
        for table, col, parent in _DERIVED_ORPHANS:
            ids = (
                cat.repair_orphans(table, col, parent)
                if repair
                else cat.orphan_ids(table, col, parent)
            )
            if not ids:
                continue
            what = f"{len(ids)} {table} rows point to missing {parent} (ids {_ids(ids)})"
            if repair:
                report.add("repaired", "orphan", table, f"deleted {what}: derived data")
            else:
                report.add("problem", "orphan", table, what)
        ids = cat.repair_orphans(*_ARTIST_LINK) if repair else cat.orphan_ids(*_ARTIST_LINK)
        if ids and repair:
            report.add(
                "repaired",
                "orphan",
                "field_values",
                f"unlinked {len(ids)} artist values from missing artists "
                f"(ids {_ids(ids)}); the names are kept",
            )
        elif ids:
            report.add(
                "problem",
                "orphan",
                "field_values",
                f"{len(ids)} artist values link to missing artists (ids {_ids(ids)})",
            )
        for table, col, parent in _KEPT_ORPHANS:
            ids = cat.orphan_ids(table, col, parent)
            if ids:
                report.add(
                    "problem",
                    "orphan",
                    table,
                    f"{len(ids)} {table} rows point to missing {parent} via {col} "
                    f"(ids {_ids(ids)}); kept, they are the audit trail",
                )


def _ids(ids: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:10])
    return shown + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


# -- temp files and models ------------------------------------------------------------------


def _models_dir(cat: Catalogue, opts: CheckOptions) -> Path:
    """The folder retrains write to: the model store's, unless the caller names a moved one."""
    return opts.models_dir if opts.models_dir is not None else models_folder(cat, opts.paths)


def _temp_folders(cat: Catalogue, opts: CheckOptions) -> list[Path]:
    folders = [*opts.export_dirs]
    models = _models_dir(cat, opts)
    if models is not None:
        folders.append(models)
    if cat.is_sqlite and cat.url.database and cat.url.database != ":memory:":
        folders.append(Path(cat.url.database).parent)
    seen: list[Path] = []
    for f in folders:
        if f.is_dir() and f.resolve() not in [s.resolve() for s in seen]:
            seen.append(f)
    return seen


def _is_our_temp(name: str, catalogue_name: str) -> bool:
    """True for a temp name one of our writers makes (beside a catalogue file of any name)."""
    m = _OUR_TEMP.match(name)
    if m is None:
        return False
    target = m.group("target")
    return target.lower().endswith(_OUR_TARGETS) or (
        bool(catalogue_name) and target.startswith(catalogue_name)
    )


def _temp_files(folder: Path, report: CheckReport, opts: CheckOptions, *, all_tmp: bool,
                catalogue_name: str = "") -> None:  # fmt: skip
    """Remove temp files an interrupted export, save or retrain left; young ones are left."""
    now = time.time()
    for p in sorted(folder.iterdir()):
        ours = p.name.endswith(".tmp") if all_tmp else _is_our_temp(p.name, catalogue_name)
        if not ours or not p.is_file() or p.is_symlink():
            continue
        try:
            age = now - p.stat().st_mtime
        except OSError:
            continue
        if age < opts.temp_min_age_s:
            report.add(
                "note", "temp file", str(p), f"written {age:.0f} s ago: may be in use, left alone"
            )
            continue
        if not opts.repair:
            report.add("problem", "temp file", str(p), "left by an interrupted write")
            continue
        try:
            p.unlink()
        except OSError as exc:
            report.add("problem", "temp file", str(p), f"cannot remove: {exc.strerror or exc}")
        else:
            report.add("repaired", "temp file", str(p), "removed: left by an interrupted write")


def _models(cat: Catalogue, report: CheckReport, store: ModelStore) -> None:
    """The active model must load (file present, sha256 as recorded); others' are notes."""
    try:
        versions = cat.model_versions()
    except CatalogueError as exc:
        report.add("problem", "models", cat.location, str(exc))
        return
    for v in versions:
        try:
            store.local_file(v)
        except ModelUnavailableError as exc:
            where = v.path
            if v.active:
                report.add(
                    "problem", "model file", where,
                    f"active model {v.version!r} cannot be loaded ({exc.reason}): suggestions "
                    "stop until another version is activated or the file is restored",
                )  # fmt: skip
            else:
                report.add("note", "model file", where, f"model {v.version!r}: {exc.reason}")


__all__ = ["CheckOptions", "CheckReport", "Finding", "check_catalogue", "check_location"]
