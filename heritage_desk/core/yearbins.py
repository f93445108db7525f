"""Ten-year bins for the year head, as in the reference paper."""

from __future__ import annotations

BIN_WIDTH = 10
#: A year range wider than this is too vague to learn a decade from ("17th century").
MAX_LABEL_SPAN = 20


def decade(year: int) -> int:
    """The first year of the decade that holds `year` (1874 -> 1870)."""
    return (year // BIN_WIDTH) * BIN_WIDTH


def decade_label(start: int) -> str:
    """A curator-facing label for a decade bin: 1870 -> '1870s'."""
    return f"{start}s"


def middle_year(year_from: int | None, year_to: int | None) -> int | None:
    """The middle of a recorded range (None without a year)."""
    if year_from is None:
        return None
    return (year_from + (year_to if year_to is not None else year_from)) // 2


def label_year(year_from: int | None, year_to: int | None) -> int | None:
    """The year a dated work teaches the year head: the middle of its range; None without a
    year or when the range is wider than MAX_LABEL_SPAN."""
    if year_from is None:
        return None
    hi = year_to if year_to is not None else year_from
    return middle_year(year_from, hi) if hi - year_from <= MAX_LABEL_SPAN else None
