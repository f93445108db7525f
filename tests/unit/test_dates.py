"""Museum date text to year ranges, the original text kept."""

from __future__ import annotations

import pytest

from heritage_desk.core.dates import (
    OPEN_WINDOW,
    circa_margin,
    format_years,
    is_unknown,
    parse_date,
    parse_years,
)
from heritage_desk.core.edtf import edtf_range, from_edtf_year, parse_edtf, to_edtf_year
from heritage_desk.core.yearbins import label_year


@pytest.mark.parametrize(
    ("text", "years", "circa"),
    [
        ("1874", (1874, 1874), False),
        ("c. 1710", (1705, 1715), True),
        ("ca. 1710", (1705, 1715), True),
        ("ca 1710", (1705, 1715), True),
        ("circa 1710", (1705, 1715), True),
        ("about 1500", (1495, 1505), True),
        ("1870/80", (1870, 1880), False),
        ("1858/59", (1858, 1859), False),
        ("1375/1400", (1375, 1400), False),
        ("1870-1875", (1870, 1875), False),
        ("1650–55", (1650, 1655), False),
        ("1650—1655", (1650, 1655), False),
        ("1898-02", (1898, 1902), False),
        ("c. 1745–50", (1740, 1755), True),
        ("c. 1610/25", (1605, 1630), True),
        ("c. 1580–c. 1600", (1575, 1605), True),
        ("1890s", (1890, 1899), False),
        ("early 1890s", (1890, 1892), False),
        ("late 1890s", (1897, 1899), False),
        ("1800s", (1800, 1899), False),
        ("after 1900", (1900, 1900 + OPEN_WINDOW), False),
        ("before 1650", (1650 - OPEN_WINDOW, 1650), False),
        ("17th century", (1600, 1699), False),
        ("early 17th century", (1600, 1632), False),
        ("mid-17th century", (1633, 1666), False),
        ("late 17th century", (1667, 1699), False),
        ("first half of the 17th century", (1600, 1649), False),
        ("17th–18th century", (1600, 1799), False),
        ("late 18th–early 19th century", (1767, 1832), False),
        ("18th c.", (1700, 1799), False),
        ("XVII century", (1600, 1699), False),
        ("1887, reworked 1890", (1887, 1890), False),
        ("1874 or 1875", (1874, 1875), False),
        ("1650?", (1650, 1650), True),
        ("1874-03-15", (1874, 1874), False),
        ("1874-03-15 to 1875-01-02", (1874, 1875), False),
        ("15 March 1874", (1874, 1874), False),
    ],
)
def test_parses(text: str, years: tuple[int, int], circa: bool) -> None:
    d = parse_date(text)
    assert d is not None
    assert d.years == years
    assert d.circa is circa
    assert d.text == text  # the original text is kept
    assert parse_years(text) == years


@pytest.mark.parametrize(
    "text", ["", "Date unknown", "date unknown", "n.d.", "N.D.", "undated", "Unknown", None, "  "]
)
def test_unknown(text: str | None) -> None:
    assert parse_date(text) is None
    assert is_unknown(text)


def test_text_without_a_year_is_none_but_not_unknown() -> None:
    assert parse_date("Ming dynasty") is None
    assert not is_unknown("Ming dynasty")


def test_format_years() -> None:
    assert format_years(1874, 1874) == "1874"
    assert format_years(1870, 1880) == "1870-1880"
    assert format_years(None, None) == ""


def test_circa_is_a_cco_range_not_a_single_year() -> None:
    """CCO: "ca. 1610" is 1605-1615; the text and the qualifier are kept beside the range."""
    d = parse_date("ca. 1610")
    assert d is not None
    assert (d.text, d.year_from, d.year_to, d.approximate) == ("ca. 1610", 1605, 1615, True)
    assert (circa_margin(1610), circa_margin(1300), circa_margin(800), circa_margin(-500)) == (
        5, 10, 25, 25,
    )  # fmt: skip
    medieval = parse_date("c. 1300")
    assert medieval is not None and medieval.years == (1290, 1310)
    uncertain = parse_date("1650?")  # uncertain is not approximate: no widening, flagged
    assert uncertain is not None and uncertain.years == (1650, 1650) and uncertain.uncertain


@pytest.mark.parametrize(
    ("text", "edtf", "years"),
    [
        ("c. 1710", "1710~", (1705, 1715)),
        ("1870/80", "1870/1880", (1870, 1880)),
        ("1890s", "189X", (1890, 1899)),
        ("1800s", "18XX", (1800, 1899)),
        ("17th century", "16XX", (1600, 1699)),
        ("after 1900", "1900/..", (1900, 1900 + OPEN_WINDOW)),
        ("before 1650", "../1650", (1650 - OPEN_WINDOW, 1650)),
        ("1650?", "1650?", (1650, 1650)),
        ("c. 1745–50", "1745~/1750~", (1740, 1755)),
        ("early 17th century", "1600/1632", (1600, 1632)),
        ("1874", "1874", (1874, 1874)),
        ("500 BC", "-0499", (-500, -500)),
    ],
)
def test_edtf_of_museum_dates(text: str, edtf: str, years: tuple[int, int]) -> None:
    d = parse_date(text)
    assert d is not None
    assert (d.edtf, d.years, d.text) == (edtf, years, text)


@pytest.mark.parametrize(
    ("text", "years", "approximate", "uncertain"),
    [
        ("1870/1880", (1870, 1880), False, False),
        ("1710~", (1705, 1715), True, False),
        ("1650?", (1650, 1650), False, True),
        ("1650%", (1645, 1655), True, True),
        ("18XX", (1800, 1899), False, False),
        ("189X", (1890, 1899), False, False),
        ("1900/..", (1900, 1900 + OPEN_WINDOW), False, False),
        ("../1650", (1650 - OPEN_WINDOW, 1650), False, False),
        ("-0499", (-500, -500), False, False),
        ("1745~/1750~", (1740, 1755), True, False),
    ],
)
def test_edtf_strings_are_read(
    text: str, years: tuple[int, int], approximate: bool, uncertain: bool
) -> None:
    d = parse_date(text)
    assert d is not None
    assert (d.years, d.approximate, d.uncertain) == (years, approximate, uncertain)
    assert parse_date(d.edtf) is not None and parse_date(d.edtf).years == years  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("-500", (-500, -500)),  # the Met's Object Begin Date writes 500 BC so (issue 16)
        ("-500/-450", (-500, -450)),
        ("500 BC", (-500, -500)),
        ("500–450 B.C.", (-500, -450)),
        ("1st century BC", (-100, -1)),  # 100-1 BC: no year 0 (issue 16: was -99..0)
        ("2nd century BCE", (-200, -101)),
        ("early 1st century BC", (-100, -68)),
        ("490s BC", (-499, -490)),
    ],
)
def test_bc_and_negative_years(text: str, years: tuple[int, int]) -> None:
    d = parse_date(text)
    assert d is not None and d.years == years and d.problem is None


def test_placeholder_and_future_years_are_flagged() -> None:
    """9999 (the Met's "no end") and any future year: parsed, but with a problem (issue 16)."""
    d = parse_date("9999")
    assert d is not None and d.problem is not None and "9999" in d.problem
    assert parse_date("3000").problem is not None  # type: ignore[union-attr]
    assert parse_date("after 2015").problem is None  # type: ignore[union-attr]  # open end ok
    assert parse_date("1874").problem is None  # type: ignore[union-attr]


def test_edtf_years_are_astronomical() -> None:
    """EDTF counts 1 BC as 0000; museum years have no year 0."""
    assert [to_edtf_year(y) for y in (1874, -1, -500, 5)] == ["1874", "0000", "-0499", "0005"]
    assert [from_edtf_year(t) for t in ("1874", "0000", "-0499")] == [1874, -1, -500]
    assert edtf_range(1875, 1885) == "1875/1885"
    assert parse_edtf("Ming") is None and parse_edtf("../..") is None


def test_the_year_a_date_teaches_is_its_middle_and_a_century_teaches_none() -> None:
    assert label_year(1875, 1885) == 1880
    assert label_year(1660, None) == 1660
    assert label_year(1600, 1620) == 1610  # 20 years: still a label
    assert label_year(1601, 1700) is None  # "17th century": too vague
    assert label_year(None, None) is None
    assert label_year(-500, -481) == -491  # BCE ranges floor the same way
