"""Ten-year bins for the year head, as in the reference paper."""

from __future__ import annotations

BIN_WIDTH = 10


def decade(year: int) -> int:
    """The first year of the decade that holds `year` (1874 -> 1870)."""
    return (year // BIN_WIDTH) * BIN_WIDTH


def decade_label(start: int) -> str:
    """A curator-facing label for a decade bin: 1870 -> '1870s'."""
    return f"{start}s"
