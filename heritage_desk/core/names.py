"""Artist names as museums write them: one canonical key per person, attributions kept apart."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Attribution phrases (as written, lower case) -> the normalised qualifier. Longest first wins.
_PREFIX_QUALIFIERS: dict[str, str] = {
    "formerly attributed to": "formerly attributed to",
    "traditionally attributed to": "attributed to",
    "attributed to": "attributed to",
    "ascribed to": "attributed to",
    "attrib. to": "attributed to",
    "attr. to": "attributed to",
    "attrib.": "attributed to",
    "attr.": "attributed to",
    "followers of": "follower of",
    "follower of": "follower of",
    "workshop of": "workshop of",
    "atelier of": "workshop of",
    "studio of": "studio of",
    "circle of": "circle of",
    "entourage of": "circle of",
    "school of": "school of",
    "in the manner of": "manner of",
    "manner of": "manner of",
    "in the style of": "manner of",
    "style of": "manner of",
    "imitator of": "imitator of",
    "pupil of": "pupil of",
    "student of": "pupil of",
    "copy after": "copy after",
    "copy of": "copy after",
    "after": "after",
    "possibly by": "possibly",
    "possibly": "possibly",
    "probably by": "probably",
    "probably": "probably",
}
#: Attributions written after the name: "Rembrandt, follower of", "Titian and workshop".
_SUFFIX_QUALIFIERS: dict[str, str] = {
    **{k.removesuffix(" of").removesuffix(" to"): v for k, v in _PREFIX_QUALIFIERS.items()},
    **_PREFIX_QUALIFIERS,
    "copy": "copy after",
    "and workshop": "and workshop",
    "and studio": "and workshop",
    "with workshop": "and workshop",
}
#: How far a confirmation "<qualifier> X" is evidence of X's own hand: the weight of its
#: artist label in training and of its similarity in the evidence panel. X's own work counts 1;
#: an attribution short of certainty, less; a work of X's circle or school, little; a copy
#: after X, or one no longer given to X, nothing (a different hand).
EVIDENCE_WEIGHTS: dict[str | None, float] = {
    None: 1.0, "probably": 0.75, "attributed to": 0.5, "possibly": 0.5, "and workshop": 0.5,
    "workshop of": 0.25, "studio of": 0.25, "circle of": 0.25, "pupil of": 0.1,
    "follower of": 0.1, "school of": 0.1, "manner of": 0.1,
    "imitator of": 0.0, "after": 0.0, "copy after": 0.0, "formerly attributed to": 0.0,
}  # fmt: skip


def evidence_weight(qualifier: str | None) -> float:
    """EVIDENCE_WEIGHTS for a normalised qualifier (an unlisted one counts as nothing)."""
    return EVIDENCE_WEIGHTS.get(qualifier, 0.0)


#: The evidence weight from which a work is (likely) by the named painter's own hand.
OWN_HAND_WEIGHT = 0.5


def by_own_hand(qualifier: str | None) -> bool:
    """Whether a work so qualified is (likely) by the named painter's own hand, so it falls in
    their working years: X, "probably", "attributed to", "possibly", "X and workshop"; not a
    workshop, circle, follower or copy, which may be decades later."""
    return evidence_weight(qualifier) >= OWN_HAND_WEIGHT


_PREFIX_RE = re.compile(
    r"^(?P<q>"
    + "|".join(re.escape(p) for p in sorted(_PREFIX_QUALIFIERS, key=len, reverse=True))
    + r")(?:\s+|$)",
    re.IGNORECASE,
)
_AND_WORKSHOP_RE = re.compile(r"\s+(and|with)\s+(workshop|studio)$", re.IGNORECASE)

#: Words that mean "no named person".
_UNKNOWN = {
    "", "unknown", "unknown artist", "anonymous", "anon", "anon.", "unidentified artist",
    "artist unknown", "unknown maker", "not known", "n/a", "na", "none", "-", "?",
}  # fmt: skip
#: Cultures and places used instead of a person in anonymous attributions ("Netherlandish").
_CULTURE_WORDS = """
    american austrian bavarian belgian bohemian bolognese british burgundian byzantine castilian
    catalan chinese cologne cretan czech danish dutch english european ferrarese flemish florentine
    franconian french genoese german greek hispano-flemish hungarian indian irish italian japanese
    lombard lucchese milanese neapolitan netherlandish norwegian persian polish portuguese rhenish
    roman russian scottish sienese spanish swabian swedish swiss tyrolean umbrian venetian
    westphalian valencian aragonese andalusian sevillian bruges brussels antwerp haarlem
    """
_CULTURES = frozenset(_CULTURE_WORDS.split())
_CULTURE_FILLERS = {
    "or", "and", "school", "northern", "southern", "central", "north", "south", "east", "west",
    "eastern", "western", "upper", "lower", "the", "of", "century", "probably", "possibly",
    "hispano",
}  # fmt: skip
_DETAILS = ("born", "active", "died", "fl.", "flourished")
_GENERATIONAL = {"i", "ii", "iii", "iv", "jr", "jr.", "sr", "sr.", "the elder", "the younger"}
_GENERATIONAL_BARE = {g.rstrip(".") for g in _GENERATIONAL}
_ROMAN = re.compile(r"^[IVX]+$")
_PARTICLES = {
    "van", "von", "de", "der", "den", "da", "di", "del", "della", "dei", "degli", "du", "des",
    "le", "la", "y", "ter", "ten", "d'", "de'", "het", "zu", "of",
}  # fmt: skip
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe"})


@dataclass(frozen=True)
class ArtistRef:
    """One artist cell: as written, its attribution qualifier, the person's name and key."""

    written: str
    qualifier: str | None
    name: str
    key: str
    anonymous: bool = False

    @property
    def attribution_key(self) -> str:
        """The key with its qualifier: "After X" groups apart from X but links to X's key."""
        return f"{self.qualifier}: {self.key}" if self.qualifier else self.key

    @property
    def is_person(self) -> bool:
        """True when the cell names a person (not unknown, not a culture such as "Dutch")."""
        return bool(self.key) and not self.anonymous


def name_key(name: str) -> str:
    """A comparison key: no diacritics, case, punctuation or hyphens ("pierre auguste renoir")."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’`´]", "", text)  # Prud'hon -> prudhon, de' Roberti -> de roberti
    text = re.sub(r"[^\w]+|_", " ", text)
    text = re.sub(r"^the\s+", "", text.strip())
    return " ".join(text.split())


def _smart_case(name: str) -> str:
    """Fix names written in capitals ("RENOIR" -> "Renoir"); leave mixed case alone."""
    words = name.split()
    out = []
    for i, w in enumerate(words):
        letters = [c for c in w if c.isalpha()]
        if len(letters) > 1 and all(c.isupper() for c in letters) and not _ROMAN.match(w):
            lw = w.lower()
            w = lw if i and lw in _PARTICLES else "-".join(p.capitalize() for p in lw.split("-"))
        out.append(w)
    return " ".join(out)


def _is_culture(text: str) -> bool:
    """True for anonymous attributions by culture or place: "Netherlandish or German"."""
    words = name_key(text.split(";")[0]).split()
    if not words:
        return False
    has_culture = False
    for w in words:
        if w in _CULTURES:
            has_culture = True
        elif w not in _CULTURE_FILLERS and not re.fullmatch(r"\d+(st|nd|rd|th)?", w):
            return False
    return has_culture


def _drop_details(text: str) -> tuple[str, str | None]:
    """Strip "(French, 1841-1919)" and life dates; return the name and a suffix qualifier."""
    qualifier = None
    for inner in re.findall(r"\(([^)]*)\)", text):
        q = _SUFFIX_QUALIFIERS.get(inner.strip().lower())
        qualifier = qualifier or q
    text = text.split("(", 1)[0].strip()
    kept: list[str] = []
    for i, part in enumerate(p.strip() for p in text.split(",")):
        low = part.lower()
        if i and low in _SUFFIX_QUALIFIERS:
            qualifier = qualifier or _SUFFIX_QUALIFIERS[low]
        elif i and (
            re.search(r"\d", part) or _is_culture(part) or low.startswith(("born", "active"))
        ):
            continue
        elif part:
            kept.append(part)
    suffix = ""
    if len(kept) >= 2 and kept[-1].lower().rstrip(".") in _GENERATIONAL_BARE:
        suffix = " " + kept.pop()
    if len(kept) == 2:  # "RENOIR, Pierre-Auguste" -> "Pierre-Auguste RENOIR"
        return f"{kept[1]} {kept[0]}{suffix}", qualifier
    return ", ".join(kept) + suffix, qualifier


def parse_artist(text: str) -> ArtistRef:
    """Parse one artist cell ("Attributed to Ercole de' Roberti (Italian, 1455/56-1496)")."""
    written = " ".join((text or "").split())
    rest = written
    qualifier: str | None = None
    m = _PREFIX_RE.match(rest)
    if m and rest[m.end() :].strip():
        qualifier = _PREFIX_QUALIFIERS[m.group("q").lower()]
        rest = rest[m.end() :].strip()
        if qualifier == "possibly" and rest.lower().startswith("by "):
            rest = rest[3:]
    m2 = _AND_WORKSHOP_RE.search(rest.split("(", 1)[0])
    if m2:
        qualifier = qualifier or "and workshop"
        rest = rest[: m2.start()] + rest[m2.end() :]
    if rest.lower() in _UNKNOWN:
        return ArtistRef(written, None, "", "", anonymous=True)
    if _is_culture(rest.split("(", 1)[0]):
        culture = rest.split(";")[0].strip()
        return ArtistRef(written, qualifier, culture, name_key(culture), anonymous=True)
    name, suffix_q = _drop_details(rest)
    qualifier = qualifier or suffix_q
    if re.fullmatch(r"[a-z]+(-[a-z]+)+", name):  # a slug: "pierre-auguste-renoir"
        name = " ".join(w.capitalize() for w in name.split("-"))
    name = re.sub(r"^the\s+", "", _smart_case(name), flags=re.IGNORECASE)
    key = name_key(name)
    if name.lower() in _UNKNOWN or not key:
        return ArtistRef(written, qualifier, "", "", anonymous=True)
    return ArtistRef(written, qualifier, name, key)


def split_qualifier(text: str) -> tuple[str | None, str]:
    """(normalised qualifier, the rest as written) of a cell that starts with an attribution:
    "attributed to Claude Monet (French, 1840-1926)" -> ("attributed to", "Claude Monet (...)")."""
    written = " ".join((text or "").split())
    m = _PREFIX_RE.match(written)
    if m is None or not written[m.end() :].strip():
        return None, written
    return _PREFIX_QUALIFIERS[m.group("q").lower()], written[m.end() :].strip()


def same_person(a: str, b: str) -> bool:
    """True when two cells name the same person (attributions link to their person)."""
    ra, rb = parse_artist(a), parse_artist(b)
    return bool(ra.key) and ra.key == rb.key
