"""CSV formula-injection defence (OWASP) that round-trips: export neutralises, import restores."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: First characters a spreadsheet may treat as the start of a formula (OWASP CSV injection),
#: with their fullwidth forms (＝ ＋ － ＠), which some spreadsheets read as the ASCII ones.
TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
#: Delimiters an export may be opened with (a ";" locale, tabs, pipes): after one, a spreadsheet
#: starts a new cell, so a trigger there is escaped as at the start of the cell.
SPLITTERS = ",;\t|"
_INNER = re.compile(r"([,;\t|])('*)([^,;\t|]*)")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_plain_number(cell: str) -> bool:
    """True for a number a spreadsheet shows as itself: "-12", "-3.5", "1e-3"."""
    return _NUMBER.fullmatch(cell) is not None


def _escaped_form(cell: str) -> bool:
    """True when `cell` is quotes followed by a trigger: the shape neutralise() escapes."""
    rest = cell.lstrip("'")
    return rest != cell and bool(rest) and rest[0] in TRIGGERS


def _neutralise_start(cell: str) -> str:
    if not cell:
        return cell
    if cell[0] in TRIGGERS:
        return cell if is_plain_number(cell) else "'" + cell
    # A cell already shaped like an escaped one gets one more quote, so restore() is exact.
    return "'" + cell if _escaped_form(cell) else cell


def _inner(m: re.Match[str], add: int) -> str:
    """One part after a delimiter: quotes + trigger get one quote more (add=1) or less (-1)."""
    sep, quotes, rest = m.group(1), m.group(2), m.group(3)
    if not rest or rest[0] not in TRIGGERS:
        return m.group(0)
    if add > 0 and not quotes and is_plain_number(rest):
        return m.group(0)  # "1;-2": a number in each cell
    if add < 0 and not quotes:
        return m.group(0)
    return sep + "'" * (len(quotes) + add) + rest


def neutralise(cell: str) -> str:
    """Prefix a quote to a cell a spreadsheet would run as a formula, and to each part after
    a delimiter it may be split at (`x;=cmd|...`); plain numbers stay."""
    start = _neutralise_start(cell)
    if not any(c in start for c in SPLITTERS):
        return start
    return _INNER.sub(lambda m: _inner(m, 1), start)


def restore(cell: str) -> str:
    """The inverse of neutralise(): drop the quotes it added."""
    if any(c in cell for c in SPLITTERS):
        cell = _INNER.sub(lambda m: _inner(m, -1), cell)
    return cell[1:] if _escaped_form(cell) else cell


def neutralise_row(cells: Iterable[str]) -> list[str]:
    """neutralise() each cell of a row."""
    return [neutralise(c) for c in cells]


def restore_row(cells: Iterable[str]) -> list[str]:
    """restore() each cell of a row."""
    return [restore(c) for c in cells]
