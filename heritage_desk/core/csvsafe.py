"""CSV formula-injection defence (OWASP) that round-trips: export neutralises, import restores."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: First characters a spreadsheet may treat as the start of a formula (OWASP CSV injection).
TRIGGERS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_plain_number(cell: str) -> bool:
    """True for a number a spreadsheet shows as itself: "-12", "-3.5", "1e-3"."""
    return _NUMBER.fullmatch(cell) is not None


def _escaped_form(cell: str) -> bool:
    """True when `cell` is quotes followed by a trigger: the shape neutralise() escapes."""
    rest = cell.lstrip("'")
    return rest != cell and bool(rest) and rest[0] in TRIGGERS


def neutralise(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula; plain numbers stay."""
    if not cell:
        return cell
    if cell[0] in TRIGGERS:
        return cell if is_plain_number(cell) else "'" + cell
    # A cell already shaped like an escaped one gets one more quote, so restore() is exact.
    return "'" + cell if _escaped_form(cell) else cell


def restore(cell: str) -> str:
    """The inverse of neutralise(): drop the one quote it added."""
    return cell[1:] if _escaped_form(cell) else cell


def neutralise_row(cells: Iterable[str]) -> list[str]:
    """neutralise() each cell of a row."""
    return [neutralise(c) for c in cells]


def restore_row(cells: Iterable[str]) -> list[str]:
    """restore() each cell of a row."""
    return [restore(c) for c in cells]
