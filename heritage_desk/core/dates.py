"""Museum date text ("c. 1710", "1870/80", "1890s", "17th century") as a year range."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from heritage_desk.core.edtf import edtf_range, edtf_span, parse_edtf, qualifier, to_edtf_year

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
_BCE = re.compile(r"\b(b\.?c\.?e?\.?)(?=\s|$|[,;)])|\bbc\b")
_SIGNED = re.compile(r"^(-[1-9]\d{0,3})(?:\s*(?:/|\bto\b|-)\s*(-?[1-9]\d{0,3}))?$")

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


def circa_margin(year: int) -> int:
    """How far "c." reaches each side of a written year (the CCO rule chosen here).

    CCO gives "ca. 1610" the range 1605-1615: +-5 years from 1500 on, where museums date to
    the decade; +-10 for 1000-1499 and +-25 before 1000 (BC included), where "about" is looser.
    """
    if year >= 1500:
        return 5
    return 10 if year >= 1000 else 25


@dataclass(frozen=True)
class MuseumDate:
    """A date as written, its earliest/latest years, qualifiers, EDTF form and any problem."""

    text: str
    year_from: int
    year_to: int
    #: "c.", "about", EDTF "~": the years are widened by circa_margin.
    approximate: bool = False
    #: "?", "probably", EDTF "?": the years as written, flagged.
    uncertain: bool = False
    #: The date in EDTF ("1710~", "1870/1880", "189X", "16XX", "1900/..").
    edtf: str = ""
    #: Why the years cannot be trusted (a future year such as the placeholder 9999), or None.
    problem: str | None = None

    @property
    def years(self) -> tuple[int, int]:
        return self.year_from, self.year_to

    @property
    def circa(self) -> bool:
        """True when the date is qualified at all (approximate or uncertain)."""
        return self.approximate or self.uncertain


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


def expand_second_year(first: int, written: str) -> int:
    """Expand a short second year: 1650-55 -> 1655, 1898-02 -> 1902, 1415/17 -> 1417."""
    if len(written) >= len(str(first)):
        return int(written)
    base = 10 ** len(written)
    year = first - first % base + int(written)
    return year + base if year < first else year


def _decade(part: str | None, digits: str, bce: bool = False) -> tuple[int, int]:
    """ "1890s" -> 1890-1899, "early 1890s" -> 1890-1892; "1800s" is the century."""
    start = int(digits) * 10
    length = 100 if len(digits) == 3 and start % 100 == 0 else 10
    # BC counts down: the 490s BC are 499-490 BC, and their early years are the larger ones.
    return _span(-(start + length - 1) if bce else start, length, part)


def _parse(t: str, bce: bool) -> tuple[int, int, str] | None:
    """(first, last, kind) of normalised text, or None; kind picks the EDTF form."""
    t = _ISO_DAY.sub(r"\1", t)  # "1874-03-15" is a day, not the range 1874-1903
    centuries = []
    for m in _CENTURY.finditer(t):
        n = int(m.group(2))
        # The 1st century BC is 100-1 BC: it starts at -100 and "early" means nearer -100.
        centuries.append(_span(-n * 100 if bce else (n - 1) * 100, 100, m.group(1)))
    if centuries:
        return min(c[0] for c in centuries), max(c[1] for c in centuries), "span"
    decades = [_decade(m.group(1), m.group(2), bce) for m in _DECADE.finditer(t)]
    if decades:
        years = [-int(y) if bce else int(y) for y in re.findall(r"\b\d{4}\b", t)]
        lo, hi = min([d[0] for d in decades] + years), max([d[1] for d in decades] + years)
        return lo, hi, "span"
    o = _OPEN.search(t)
    if o and len(re.findall(r"\d{3,4}", t)) == 1:
        year = -int(o.group(2)) if bce else int(o.group(2))
        if o.group(1) in ("after", "not before"):
            return year, year + OPEN_WINDOW, "after"
        return year - OPEN_WINDOW, year, "before"
    r = _RANGE.search(t)
    if r and not bce:
        first = int(r.group(1))
        second = expand_second_year(first, r.group(2))
        rest = [int(y) for y in re.findall(r"\b\d{3,4}\b", t[r.end() :])]
        if second >= first:
            return first, max([second, *rest]), "range"
    digits = r"(?<!\d)\d{1,4}(?!\d)" if bce else r"(?<!\d)\d{3,4}(?!\d)"
    years = [-int(y) if bce else int(y) for y in re.findall(digits, t)]
    if not years:
        return None
    return min(years), max(years), "year" if len(set(years)) == 1 else "range"


def _signed(t: str) -> tuple[int, int, str] | None:
    """ "-500", "-500/-450": negative years as the Met writes BC (historical, -1 = 1 BC)."""
    m = _SIGNED.match(t)
    if m is None:
        return None
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) else lo
    if lo == 0 or hi == 0 or lo > hi:
        return None
    return lo, hi, "year" if lo == hi else "range"


def _edtf(t: str) -> tuple[int, int, str, bool, bool] | None:
    """An EDTF year or interval in museum terms: (first, last, kind, approximate, uncertain)."""
    e = parse_edtf(t)
    if e is None:
        return None
    if e.open_end:
        return e.year_from, e.year_from + OPEN_WINDOW, "after", e.approximate, e.uncertain
    if e.open_start:
        return e.year_to - OPEN_WINDOW, e.year_to, "before", e.approximate, e.uncertain
    kind = "span" if "x" in t else "year" if e.year_from == e.year_to else "range"
    return e.year_from, e.year_to, kind, e.approximate, e.uncertain


def _edtf_text(lo: int, hi: int, kind: str, approximate: bool, uncertain: bool) -> str:
    """The EDTF form of a parsed date (before the circa margin: EDTF's "~" says it)."""
    q = qualifier(approximate, uncertain)
    if kind == "after":
        return f"{to_edtf_year(lo)}{q}/.."
    if kind == "before":
        return f"../{to_edtf_year(hi)}{q}"
    if kind == "span":
        return edtf_span(lo, hi, approximate=approximate, uncertain=uncertain)
    return edtf_range(lo, hi, approximate=approximate, uncertain=uncertain)


def implausible(lo: int, hi: int, kind: str) -> str | None:
    """Why written years cannot be a work's date (9999, a future year), or None."""
    latest_written = lo if kind == "after" else hi
    if latest_written > date.today().year:
        return f"year {latest_written} is in the future (a placeholder such as 9999?)"
    return None


def parse_date(text: str | None) -> MuseumDate | None:
    """Parse one museum date cell; None when it says nothing about the year."""
    written = " ".join((text or "").split())
    if is_unknown(written):
        return None
    t = _DASHES.sub("-", written.lower()).strip()
    edtf = _edtf(t)  # before the trailing dots go: "1900/.." is open-ended
    t = t.rstrip(".,;")
    if edtf is not None and _SIGNED.match(t) is None:
        lo, hi, kind, approximate, uncertain = edtf
    else:
        t = _ROMAN_CENTURY.sub(_roman, t)
        approximate = bool(_CIRCA.search(t))
        t = _CIRCA.sub("", t)
        uncertain = bool(_UNCERTAIN.search(t))
        bce = bool(_BCE.search(t))
        parsed = _signed(t.rstrip("?").strip()) or _parse(_BCE.sub("", t), bce)
        if parsed is None:
            return None
        lo, hi, kind = parsed
    if lo > hi:
        return None
    problem = implausible(lo, hi, kind)
    code = _edtf_text(lo, hi, kind, approximate, uncertain)
    if approximate:
        lo, hi = lo - circa_margin(lo), hi + circa_margin(hi)
    return MuseumDate(written, lo, hi, approximate, uncertain, code, problem)


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
