"""The output-path guard for a catalogue's CSVs (export, suggest --out): core.outputs with
the files of that catalogue protected (its SQLite file, WAL, SHM, journal, models folder)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from heritage_desk.core.outputs import OutputPathError, check_output
from heritage_desk.services.retrain_versions import models_dir_for
from heritage_desk.storage.catalogue import Catalogue

#: Files SQLite keeps beside a catalogue while it is open.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def protected_files(catalogue: Catalogue) -> list[Path]:
    """The catalogue's own files (none for a server catalogue)."""
    db = catalogue.url.database if catalogue.is_sqlite else None
    if not db or db == ":memory:":
        return []
    p = Path(db)
    return [p, *(p.with_name(p.name + s) for s in SQLITE_COMPANIONS)]


def guard_output(
    catalogue: Catalogue, out: str | Path, *, header: Sequence[str], force: bool = False
) -> None:
    """OutputPathError unless `out` may receive a CSV with `header` (see core.outputs)."""
    check_output(
        out,
        protected_files=protected_files(catalogue),
        protected_dirs=[models_dir_for(catalogue)],
        header=header,
        force=force,
    )


__all__ = ["OutputPathError", "guard_output", "protected_files"]
