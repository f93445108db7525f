"""What a record says about an artist: life or active dates and authority ids (ULAN, Wikidata, RKD).

Read from museum artist lines ("Claude Monet (French, 1840–1926)"), Met-style
`Artist Display Bio` / `Artist Begin Date` / `Artist End Date`, and authority URLs. Nothing
here is guessed: an id is kept only when the record carries it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from heritage_desk.core.dates import expand_second_year

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
#: One written year with what qualifies it: "c. 1480", "1455/56", "before 1495".
_POINT = re.compile(
    r"(?P<q>\b(?:c\.|ca\.|c|ca|circa|about|before|after|by)\s*)?"
    r"(?<!\d)(?P<y>\d{3,4})(?:/(?P<alt>\d{1,4}))?(?!\d)"
)
_ACTIVE = re.compile(r"\b(?:active|act\.|fl\.|flourished|working)")
_BORN = re.compile(r"\b(?:born|b\.)\s*[^\d,;]*$")
_DIED = re.compile(r"\b(?:died|d\.)\s*[^\d,;]*$")
#: Met's Artist End Date for a living or unknown end; never a death year.
PLACEHOLDER_YEARS = frozenset({9999})

_ULAN = re.compile(r"(?:ulan[/:=]|^)(5\d{8})\b", re.IGNORECASE)
_WIKIDATA = re.compile(r"(?:wikidata\.org/(?:wiki|entity)/|^)(Q[1-9]\d*)\b", re.IGNORECASE)
_RKD = re.compile(r"(?:rkd\.nl/(?:[a-z]{2}/)?(?:explore/)?artists/|^)(\d{1,7})\b", re.IGNORECASE)


@dataclass(frozen=True)
class LifeDates:
    """An artist's life or activity years as a record states them; None where it is silent."""

    born: int | None = None
    died: int | None = None
    active_from: int | None = None
    active_to: int | None = None
    #: "c.", "about", "1455/56", "before 1495": a year is not exact.
    approximate: bool = False
    #: The words they were read from, e.g. "French, 1840–1926".
    text: str = ""

    @property
    def earliest(self) -> int | None:
        """The first year the person is known to exist or work (birth, else first activity)."""
        return self.born if self.born is not None else self.active_from

    @property
    def latest(self) -> int | None:
        """The last year the person can have worked (death, else last activity)."""
        return self.died if self.died is not None else self.active_to

    @property
    def is_empty(self) -> bool:
        return self.earliest is None and self.latest is None


@dataclass(frozen=True)
class AuthorityIds:
    """Authority record ids of an artist: Getty ULAN, Wikidata, RKD (only from a source)."""

    ulan: str | None = None
    wikidata: str | None = None
    rkd: str | None = None

    def urls(self) -> dict[str, str]:
        """Each known id as its canonical URL, by authority name."""
        out = {}
        if self.ulan:
            out["ulan"] = f"http://vocab.getty.edu/page/ulan/{self.ulan}"
        if self.wikidata:
            out["wikidata"] = f"https://www.wikidata.org/wiki/{self.wikidata}"
        if self.rkd:
            out["rkd"] = f"https://rkd.nl/explore/artists/{self.rkd}"
        return out

    @property
    def is_empty(self) -> bool:
        return not (self.ulan or self.wikidata or self.rkd)


@dataclass(frozen=True)
class ArtistFacts:
    """One artist (by the canonical key of core.names) with life dates, ids and their source."""

    key: str
    name: str
    life: LifeDates = LifeDates()
    ids: AuthorityIds = AuthorityIds()
    #: Where they were read ("labels.csv row 3"), so a curator can check them.
    source: str = ""


def _point_year(m: re.Match[str], *, latest: bool) -> int:
    """The year of one point; "1455/56" gives 1455 as a first year, 1456 as a last one."""
    year = int(m.group("y"))
    alt = m.group("alt")
    if alt and latest:
        return expand_second_year(year, alt)
    return year


def _bio_part(text: str) -> str:
    """The words that hold the dates: the first bracket with a year, else the whole text."""
    for inner in re.findall(r"\(([^)]*)\)", text):
        if re.search(r"\d{3,4}", inner):
            return inner.strip()
    return text.strip()


def parse_life_dates(text: str | None) -> LifeDates | None:
    """Life dates from "Name (French, 1840–1926)", "Dutch, Leiden 1606–1669 Amsterdam",
    "born 1950", "active c. 1465-1501"...; None when no year is stated."""
    written = " ".join((text or "").split())
    part = _bio_part(written)
    t = _DASHES.sub("-", part.lower())
    points = list(_POINT.finditer(t))
    if not points:
        return None
    bc = bool(re.search(r"\bb\.?\s?c\.?(?:e\.?)?(?=\s|$|[,;)])", t))
    approximate = any(m.group("q") or m.group("alt") for m in points[:2])
    first, second = points[0], points[1] if len(points) > 1 else None
    before_first = t[: first.start()]
    active = bool(_ACTIVE.search(before_first))
    dash_after_first = t[first.end() :].lstrip().startswith("-")
    lo = _point_year(first, latest=False)
    hi = None
    short = re.match(r"\s*-\s*(\d{1,2})(?!\d)", t[first.end() :])
    if short:  # "active 1449–87"
        hi = expand_second_year(lo, short.group(1))
    elif second is not None and re.fullmatch(
        r"\s*-\s*(?:[a-z. ]*?)", t[first.end() : second.start()]
    ):
        written_hi = second.group("y")
        hi = expand_second_year(lo, written_hi) if len(written_hi) < 4 else int(written_hi)
        if second.group("alt"):
            hi = expand_second_year(hi, second.group("alt"))
    if hi is not None and hi < lo and not bc:
        hi = None
    between = t[first.end() : second.start()] if second is not None else ""
    died_second = bool(re.search(r"\b(?:died|d\.)", between))
    if bc:
        lo, hi = -lo, (-hi if hi is not None else None)
    life: LifeDates
    if hi is not None and active and died_second:  # "active from 1427–died 1452"
        life = LifeDates(active_from=lo, died=hi)
    elif hi is not None and active:
        life = LifeDates(active_from=lo, active_to=hi)
    elif hi is not None:
        life = LifeDates(born=lo, died=hi)
    elif active:
        life = LifeDates(active_from=lo, active_to=lo)
    elif _DIED.search(before_first):
        life = LifeDates(died=_point_year(first, latest=True))
    elif _BORN.search(before_first) or dash_after_first:  # "born 1950", "1950–"
        life = LifeDates(born=lo)
    else:
        return None  # a lone year with no word for it is not a life date
    return replace(life, approximate=approximate, text=part)


def life_from_begin_end(begin: str | None, end: str | None, bio: str = "") -> LifeDates | None:
    """Met-style `Artist Begin Date` / `Artist End Date` ("1840", "1926"; 9999 = no end)."""

    def year(cell: str | None) -> int | None:
        cell = (cell or "").strip().split("|")[0].strip()
        if not re.fullmatch(r"-?\d{1,4}", cell):
            return None
        value = int(cell)
        return None if value in PLACEHOLDER_YEARS or value == 0 else value

    lo, hi = year(begin), year(end)
    if lo is None and hi is None:
        return None
    if lo is not None and hi is not None and hi < lo:
        hi = None
    # Met's begin/end are life dates unless the bio says the artist is only known as active.
    if _ACTIVE.search(bio.lower()) and not re.search(r"\b(?:born|died)\b", bio.lower()):
        return LifeDates(active_from=lo, active_to=hi, text=bio)
    return LifeDates(born=lo, died=hi, text=bio)


def parse_authority(kind: str, cell: str | None) -> str | None:
    """The id in one authority cell (a URL or a bare id); None when it holds none."""
    text = (cell or "").strip().split("|")[0].strip()
    pattern = {"ulan": _ULAN, "wikidata": _WIKIDATA, "rkd": _RKD}[kind]
    m = pattern.search(text)
    if m is None:
        return None
    value = m.group(1)
    return value.upper() if kind == "wikidata" else value


def merge_life(first: LifeDates | None, second: LifeDates | None) -> LifeDates | None:
    """Fill what `first` leaves unknown from `second` (the artist line wins over begin/end)."""
    if first is None or first.is_empty:
        return second
    if second is None:
        return first
    return LifeDates(
        born=first.born if first.born is not None else second.born,
        died=first.died if first.died is not None else second.died,
        active_from=first.active_from if first.active_from is not None else second.active_from,
        active_to=first.active_to if first.active_to is not None else second.active_to,
        approximate=first.approximate or second.approximate,
        text=first.text or second.text,
    )
