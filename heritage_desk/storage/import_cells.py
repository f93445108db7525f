"""Checks of single CSV cells an import stores: years, times and lengths the database can hold.

A bad cell is a problem of its row and column, never an exception that ends the import: the
limits are the ORM's column lengths, so SQLite (which stores any length) and PostgreSQL (which
refuses what is over) give the same report.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar, cast

import sqlalchemy as sa

from heritage_desk.storage.csv_input import CsvRow, MetadataTable
from heritage_desk.storage.orm import ArtistRow, AssetRow

T = TypeVar("T")

#: ASCII digits only (`str.isdigit` accepts "²" and "١٨٥٠"), at most 6: a year, not a number.
_YEAR = re.compile(r"[+-]?[0-9]{1,6}")

#: Longest text per import target, from the columns that store it.
MAX_LENGTH: dict[str, int] = {
    kind: cast(sa.String, column.type).length or 0
    for kind, column in (
        ("inventory_number", AssetRow.__table__.c.inventory_number),
        ("artist", ArtistRow.__table__.c.display_name),
    )
}


class CellError(ValueError):
    """One cell that cannot be stored; the message says why, the caller names row and column."""


def parse_year(text: str) -> int:
    """An integer year from a year column; CellError for anything else."""
    if not _YEAR.fullmatch(text):
        raise CellError(f"{text[:40]!r} is not a year (digits 0-9, optional minus sign)")
    return int(text)


def parse_time(text: str) -> datetime:
    """An ISO 8601 time that has a UTC equivalent (a naive time is read as UTC)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise CellError(f"{text[:40]!r} is not an ISO 8601 time") from None
    try:
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except OverflowError:
        raise CellError(f"{text[:40]!r} is out of range in UTC") from None


def check_length(kind: str, text: str) -> str:
    """`text` if the column of `kind` (a MAX_LENGTH key) holds it; CellError naming the limit."""
    if len(text) > MAX_LENGTH[kind]:
        raise CellError(f"{len(text)} characters, over the limit of {MAX_LENGTH[kind]}")
    return text


def limited(kind: str) -> Callable[[str], str]:
    """A cell parser that refuses text longer than the column of `kind` holds."""
    return functools.partial(check_length, kind)


def read_cell(table: MetadataTable, row: CsvRow, target: str, parse: Callable[[str], T],
              problem: Callable[[str, str], None]) -> T | None:  # fmt: skip
    """The parsed cell of `target`: None when empty or bad, a bad one sent to `problem` with
    its row and column."""
    text = table.value(row, target)
    if not text:
        return None
    try:
        return parse(text)
    except ValueError as exc:  # CellError, or float()'s
        column = table.mapping.get(target, target)
        problem(f"{table.path.name} row {row.row}, column {column!r}", f"{exc}; not kept")
        return None
