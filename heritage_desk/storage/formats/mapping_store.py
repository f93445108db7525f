"""Reusable column mappings: saved with the catalogue after each import, or in a JSON file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa

from heritage_desk.core.atomic import atomic_write
from heritage_desk.storage import info
from heritage_desk.storage.base import Repository
from heritage_desk.storage.csv_input import TARGETS, CsvError, MetadataTable, read_metadata
from heritage_desk.storage.orm import CatalogueInfoRow

#: catalogue_info key of the mapping the last import used.
MAPPING_KEY = "import_mapping"


def _checked(data: object, where: str) -> dict[str, str]:
    """A {target: column} dict of known targets, or CsvError naming `where`."""
    if isinstance(data, dict) and isinstance(data.get("mapping"), dict):
        data = data["mapping"]
    if not isinstance(data, dict):
        raise CsvError(f"{where}: expected a JSON object {{field: column}}")
    out: dict[str, str] = {}
    for target, column in data.items():
        if target not in TARGETS:
            raise CsvError(f"{where}: unknown field {target!r} (known: {', '.join(TARGETS)})")
        if not isinstance(column, str) or not column.strip():
            raise CsvError(f"{where}: field {target!r} needs a column name")
        out[target] = column.strip()
    return out


def load_mapping_file(path: str | Path) -> dict[str, str]:
    """A mapping saved by `save_mapping_file` (or written by hand): {"artist": "Maker", ...}."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CsvError(f"{p}: no such mapping file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CsvError(f"{p}: not a JSON mapping file ({exc})") from None
    return _checked(data, str(p))


def save_mapping_file(path: str | Path, mapping: Mapping[str, str]) -> None:
    """Write a mapping as JSON for `--mapping FILE` (atomically)."""
    text = json.dumps({"mapping": dict(mapping)}, indent=2, ensure_ascii=False) + "\n"
    with atomic_write(Path(path), encoding="utf-8") as fh:
        fh.write(text)


class ImportMappingRepository(Repository):
    """The catalogue's part for the column mapping its imports reuse."""

    def saved_import_mapping(self) -> dict[str, str]:
        """The mapping the last import used ({} when none, or when the row is unreadable)."""
        with self._scope.session() as s:
            value = s.scalar(
                sa.select(CatalogueInfoRow.value).where(CatalogueInfoRow.key == MAPPING_KEY)
            )
        if value is None:
            return {}
        try:
            return _checked(json.loads(value), "saved mapping")
        except (CsvError, json.JSONDecodeError):
            return {}  # a hand-edited row must not stop imports; the next import rewrites it

    def save_import_mapping(self, mapping: Mapping[str, str]) -> None:
        """Keep `mapping` for the next import of this catalogue."""
        with self._scope.session(write=True) as s:
            info.upsert(s, MAPPING_KEY, json.dumps(dict(mapping), ensure_ascii=False))


class _HasSavedMapping(Protocol):
    def saved_import_mapping(self) -> dict[str, str]: ...


def open_metadata(
    catalogue: _HasSavedMapping, path: str | Path, given: Mapping[str, str] | None
) -> tuple[MetadataTable, dict[str, str]]:
    """The metadata table read with `given`, then the catalogue's saved mapping, then guesses;
    and where each target's column came from ("given", "saved" or "guessed")."""
    saved = catalogue.saved_import_mapping()
    table = read_metadata(path, given, saved)
    given_targets = set(given or {})
    sources = {
        t: "given" if t in given_targets else "saved" if saved.get(t) == c else "guessed"
        for t, c in table.mapping.items()
    }
    return table, sources
