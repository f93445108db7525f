"""Museum date text ("c. 1710", "1870/80", "1890s", "17th century") as a year range."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: How far "after 1900" / "before 1650" reach: museums use them for "shortly after/before".
OPEN_WINDOW = 20

_UNKNOWN = {
    "", "date unknown", "unknown", "unknown date", "n.d.", "n. d.", "nd", "n.d", "undated",
    "no date", "not dated", "?", "-", "s.d.", "sans date", "none", "null", "nan",
}  # fmt: skip
_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_CIRCA = re.compile(r"\b(?:circa|about|around|approx\.?|approximately|(?:ca|c)\.?(?=\s*\d))\s*")
_ROMAN_CENTURY = re.compile(
    r"\b([xvi]{1,6})(?:th)?(?=\s*(?:-|/)?\s*(?:[xvi]+\s*)?(?:century|cent))"
)
_ROMAN = {"i": 1, "v": 5, "x": 10}
_UNCERTAIN = re.compile(r"\?|\b(?:probably|possibly|perhaps)\b")
_YEAR = r"(\d{3,4})"
_RANGE = re.compile(_YEAR + r"\s*(?:-|/|\bto\b|\band\b|\bor\b)\s*(\d{1,4})(?!\d|th|st|nd|rd|s\b)")
_DECADE = re.compile(r"(?:\b(early|mid|middle|late)[\s-]*)?(\d{2,3})0s\b")
_OPEN = re.compile(r"\b(after|not before|before|not after|by)\s+" + _YEAR + r"\b")
_PART = (
    r"(early|mid|middle|late|beginning of|end of|first half of|second half of|"
    r"first quarter of|second quarter of|third quarter of|last quarter of|fourth quarter of)"
)
_CENTURY = re.compile(
    r"(?:\b" + _PART + r"\s*(?:the\s+)?[\s-]*)?\b(\d{1,2})(?:st|nd|rd|th)"
    r"(?=(?:\s*(?:-|/|or|and|to)\s*(?:" + _PART + r"\s*(?:the\s+)?)?\d{1,2}(?:st|nd|rd|th))*"
    r"\s*(?:century|centuries|cent\.?|c\.?)(?!\w))"
)
_ISO_DAY = re.compile(r"\b(\d{4})-\d{2}-\d{2}\b")
_BCE = re.compile(r"\b(b\.?c\.?e?\.?)\b")

#: Fraction of a century or decade (start, end) each qualifier covers.
_PARTS: dict[str, tuple[float, float]] = {
    "early": (0.0, 1 / 3),
    "beginning of": (0.0, 0.2),
    "mid": (1 / 3, 2 / 3),
    "middle": (1 / 3, 2 / 3),
    "late": (2 / 3, 1.0),
    "end of": (0.8, 1.0),
    "first half of": (0.0, 0.5),
    "second half of": (0.5, 1.0),
    "first quarter of": (0.0, 0.25),
    "second quarter of": (0.25, 0.5),
    "third quarter of": (0.5, 0.75),
    "last quarter of": (0.75, 1.0),
    "fourth quarter of": (0.75, 1.0),
}


@dataclass(frozen=True)
class MuseumDate:
    """A date as written, with the year range it means; `circa` for c./ca./about."""

    text: str
    year_from: int
    year_to: int
    circa: bool = False

    @property
    def years(self) -> tuple[int, int]:
        return self.year_from, self.year_to


def _span(start: int, length: int, part: str | None) -> tuple[int, int]:
    """The years of a century or decade starting at `start`, narrowed by "early"/"late"/..."""
    lo, hi = _PARTS.get(part or "", (0.0, 1.0))
    return start + round(lo * length), start + max(round(hi * length) - 1, round(lo * length))


def _roman(m: re.Match[str]) -> str:
    """ "xvii" -> "17th" so Roman centuries parse like Arabic ones."""
    values = [_ROMAN[c] for c in m.group(1)]
    total = sum(
        -v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)
    )
    return f"{total}th"


def _second_year(first: int, written: str) -> int:
    """Expand a short second year: 1650-55 -> 1655, 1898-02 -> 1902, 1415/17 -> 1417."""
    if len(written) >= len(str(first)):
        return int(written)
    base = 10 ** len(written)
    year = first - first % base + int(written)
    return year + base if year < first else year


def _decade(part: str | None, digits: str) -> tuple[int, int]:
    """ "1890s" -> 1890-1899, "early 1890s" -> 1890-1892; "1800s" is the century."""
    start = int(digits) * 10
    if len(digits) == 3 and start % 100 == 0:
        return _span(start, 100, part)
    return _span(start, 10, part)


def _parse(t: str) -> tuple[int, int] | None:
    """The year range of normalised text, or None."""
    t = _ISO_DAY.sub(r"\1", t)  # "1874-03-15" is a day, not the range 1874-1903
    centuries = [_span((int(m.group(2)) - 1) * 100, 100, m.group(1)) for m in _CENTURY.finditer(t)]
    if centuries:
        return min(c[0] for c in centuries), max(c[1] for c in centuries)
    decades = [_decade(m.group(1), m.group(2)) for m in _DECADE.finditer(t)]
    if decades:
        years = [int(y) for y in re.findall(r"\b\d{4}\b", t)]
        return min([d[0] for d in decades] + years), max([d[1] for d in decades] + years)
    m = _OPEN.search(t)
    if m and len(re.findall(r"\d{3,4}", t)) == 1:
        year = int(m.group(2))
        if m.group(1) in ("after", "not before"):
            return year, year + OPEN_WINDOW
        return year - OPEN_WINDOW, year
    m = _RANGE.search(t)
    if m:
        first = int(m.group(1))
        second = _second_year(first, m.group(2))
        rest = [int(y) for y in re.findall(r"\b\d{3,4}\b", t[m.end() :])]
        if second >= first:
            return first, max([second, *rest])
    years = [int(y) for y in re.findall(r"(?<!\d)\d{3,4}(?!\d)", t)]
    return (min(years), max(years)) if years else None


def parse_date(text: str | None) -> MuseumDate | None:
    """Parse one museum date cell; None when it says nothing about the year."""
    written = " ".join((text or "").split())
    if is_unknown(written):
        return None
    t = _DASHES.sub("-", written.lower()).strip().rstrip(".,;")
    t = _ROMAN_CENTURY.sub(_roman, t)
    circa = bool(_CIRCA.search(t))
    t = _CIRCA.sub("", t)
    bce = bool(_BCE.search(t))
    years = _parse(_BCE.sub("", t))
    if years is None:
        return None
    lo, hi = years
    if bce:
        lo, hi = -hi, -lo
    if lo > hi:
        return None
    return MuseumDate(written, lo, hi, circa=circa or bool(_UNCERTAIN.search(t)))


def is_unknown(text: str | None) -> bool:
    """True for cells that say the date is unknown ("Date unknown", "n.d.", blank)."""
    t = _DASHES.sub("-", " ".join((text or "").split()).lower()).strip().rstrip(".,;")
    return t in _UNKNOWN or t.rstrip(".") in _UNKNOWN


def parse_years(text: str | None) -> tuple[int, int] | None:
    """(year_from, year_to) of a museum date cell, or None when unknown."""
    d = parse_date(text)
    return d.years if d else None


def format_years(year_from: int | None, year_to: int | None) -> str:
    """A short label for a year range: "1874", "1870-1880", "" when unknown."""
    if year_from is None:
        return ""
    if year_to is None or year_to == year_from:
        return str(year_from)
    return f"{year_from}-{year_to}"
