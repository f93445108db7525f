"""EDTF (Extended Date/Time Format, ISO 8601-2 level 0/1) years: read and write them.

Years here are historical (1 BC = -1, no year 0), as museums and the Met CSV write them;
EDTF counts astronomically (1 BC = "0000", 500 BC = "-0499"), so both directions convert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: One EDTF year term: a signed 4-digit year, or unspecified digits ("189X", "18XX").
_TERM = r"(-?\d{4}|\d{3}x|\d{2}xx)([~?%]?)"
_EDTF = re.compile(rf"^(?:{_TERM}|(\.\.))(?:/(?:{_TERM}|(\.\.)))?$")


@dataclass(frozen=True)
class EdtfYears:
    """An EDTF year or interval as a historical year range, with its qualifiers."""

    year_from: int
    year_to: int
    approximate: bool = False
    uncertain: bool = False
    open_start: bool = False
    open_end: bool = False


def to_edtf_year(year: int) -> str:
    """A historical year as an EDTF year: 1874 -> "1874", -500 (500 BC) -> "-0499"."""
    if year < 0:
        return f"-{abs(year) - 1:04d}" if year < -1 else "0000"
    return f"{year:04d}"


def from_edtf_year(text: str) -> int:
    """An EDTF year as a historical year: "-0499" -> -500, "0000" -> -1."""
    year = int(text)
    return year - 1 if year <= 0 else year


def qualifier(approximate: bool, uncertain: bool) -> str:
    """EDTF's suffix: "~" approximate, "?" uncertain, "%" both."""
    if approximate and uncertain:
        return "%"
    return "~" if approximate else "?" if uncertain else ""


def _term(text: str) -> tuple[int, int]:
    """(first, last) historical year of one EDTF term."""
    if text.endswith("xx"):
        start = int(text[:2]) * 100
        return start, start + 99
    if text.endswith("x"):
        start = int(text[:3]) * 10
        return start, start + 9
    year = from_edtf_year(text)
    return year, year


def parse_edtf(text: str) -> EdtfYears | None:
    """Parse an EDTF year or year interval ("1710~", "1870/1880", "18XX", "../1650"); else None."""
    m = _EDTF.match(text.strip().lower())
    if m is None:
        return None
    start, q1, open1, end, q2, open2 = m.groups()
    if start is None and end is None:
        return None  # "../.." says nothing
    lo = _term(start) if start else None
    hi = _term(end) if end else None
    if lo is None:
        assert hi is not None
        lo = hi
    if hi is None:
        hi = lo
    if lo[0] > hi[1]:
        return None
    quals = (q1 or "") + (q2 or "")
    return EdtfYears(
        lo[0], hi[1],
        approximate="~" in quals or "%" in quals,
        uncertain="?" in quals or "%" in quals,
        open_start=open1 is not None,
        open_end=open2 is not None,
    )  # fmt: skip


def edtf_range(year_from: int, year_to: int, *, approximate: bool = False,
               uncertain: bool = False) -> str:  # fmt: skip
    """ "1874", "1870/1880" or "1875~/1885~": a plain year range as EDTF."""
    q = qualifier(approximate, uncertain)
    if year_from == year_to:
        return to_edtf_year(year_from) + q
    return f"{to_edtf_year(year_from)}{q}/{to_edtf_year(year_to)}{q}"


def edtf_span(year_from: int, year_to: int, *, approximate: bool = False,
              uncertain: bool = False) -> str:  # fmt: skip
    """A range as EDTF, whole decades and centuries with unspecified digits ("189X", "16XX")."""
    q = qualifier(approximate, uncertain)
    if year_from >= 0 and year_from % 100 == 0 and year_to == year_from + 99:
        return f"{year_from // 100:02d}XX{q}"
    if year_from >= 0 and year_from % 10 == 0 and year_to == year_from + 9:
        return f"{year_from // 10:03d}X{q}"
    return edtf_range(year_from, year_to, approximate=approximate, uncertain=uncertain)
