"""The import report's account of a metadata file's columns: what each was read as, what was not."""

from __future__ import annotations

import re
from collections.abc import Mapping


def unused_columns(columns: list[str], mapping: Mapping[str, str]) -> list[str]:
    """The columns of a metadata file that no target reads, in file order."""
    used = set(mapping.values())
    return [c for c in columns if c not in used]


#: Words in a header that hint which field an unmapped column may hold.
_HINTS = {
    "date": ("date", "year", "dated", "made"), "artist": ("artist", "maker", "painter", "creator"),
    "title": ("title",), "medium": ("medium", "material", "technique"),
    "image_file": ("file", "image"), "inventory_number": ("inventory", "accession", "number"),
}  # fmt: skip


def mapping_lines(mapping: Mapping[str, str], unused: list[str],
                  sources: Mapping[str, str] | None = None) -> list[str]:  # fmt: skip
    """Report lines: each target with the column it was read from (and why), then each unused
    column."""
    out = [
        f"column {column!r} -> {target}" + (f" ({sources[target]})" if sources else "")
        for target, column in mapping.items()
    ]
    for column in unused:
        words = set(re.split(r"[^a-z]+", column.lower()))
        hint = next((t for t, ws in _HINTS.items() if t not in mapping and words & set(ws)), None)
        advice = f"; to read it as {hint}: --map {hint}={column!r}" if hint else ""
        out.append(f"unused column: {column!r} (not imported{advice})")
    return out
