"""Which CSV row belongs to which image: by path, path suffix or id, never ambiguous."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from heritage_desk.storage.csv_input import CsvRow, MetadataTable


def join_key(text: str) -> str:
    """How a file name or id is compared: case-folded, composed (NFC). A folder written on a
    Mac names `Café.jpg` decomposed (e + U+0301), a CSV from Excel composed: the same name."""
    return unicodedata.normalize("NFC", text.casefold())


@dataclass
class RowJoin:
    """CSV rows by relative path, by path suffix, by basename and by id."""

    table: MetadataTable
    by_path: dict[str, CsvRow] = field(default_factory=dict)
    #: Trailing parts of CSV paths ("images/a.jpg" -> "a.jpg"); None when two rows share one.
    by_suffix: dict[str, CsvRow | None] = field(default_factory=dict)
    by_id: dict[str, CsvRow] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)
    artists_seen: set[str] = field(default_factory=set)
    #: Image -> its row, once `assign` has seen every image of the import.
    assigned: dict[str, CsvRow] | None = None

    def add_path(self, key: str, row: CsvRow) -> None:
        self.by_path[key] = row
        parts = key.split("/")
        for i in range(1, len(parts)):
            suffix = "/".join(parts[i:])
            self.by_suffix[suffix] = None if suffix in self.by_suffix else row

    def row_for(self, rel: str) -> CsvRow | None:
        """The row `assign` gave the image at `rel` (its match, before `assign` ran)."""
        if self.assigned is None:
            return self.match(rel)
        return self.assigned.get(rel)

    def assign(self, rels: Iterable[str]) -> list[tuple[str, str]]:
        """Give each image its row; a row that several images match goes to none of them,
        unless one of them is the very path the row names. Returns (where, why) problems."""
        claims: dict[int, list[str]] = {}
        rows: dict[int, CsvRow] = {}
        for rel in rels:
            row = self.match(rel)
            if row is not None:
                claims.setdefault(row.row, []).append(rel)
                rows[row.row] = row
        self.assigned, problems = {}, []
        label = self.table.path.name
        for n, names in claims.items():
            exact = [r for r in names if self.by_path.get(join_key(r)) is rows[n]]
            if len(names) == 1 or len(exact) == 1:
                self.assigned[(exact or names)[0]] = rows[n]
                continue
            self.used.add(n)  # reported here, not again as "matched no image"
            shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            why = f"matches {len(names)} images ({shown}); applied to none: name the file"
            problems.append((f"{label} row {n}", why + " by its path in the images folder"))
        return problems

    def match(self, rel: str) -> CsvRow | None:
        """The CSV row of the image at `rel`: same path, a path suffix either way, or its id."""
        parts = join_key(rel).split("/")
        for i in range(len(parts)):
            row = self.by_path.get("/".join(parts[i:]))
            if row is not None:
                return row
        row = self.by_suffix.get("/".join(parts))
        if row is not None:
            return row
        stem = join_key(PurePosixPath(rel).stem)
        for key in (stem, stem.rsplit("_", 1)[-1], stem.rsplit("-", 1)[-1]):
            if key in self.by_id:
                return self.by_id[key]
        return None
