"""Museum date text to year ranges, the original text kept."""

from __future__ import annotations

import pytest

from heritage_desk.core.dates import OPEN_WINDOW, format_years, is_unknown, parse_date, parse_years


@pytest.mark.parametrize(
    ("text", "years", "circa"),
    [
        ("1874", (1874, 1874), False),
        ("c. 1710", (1710, 1710), True),
        ("ca. 1710", (1710, 1710), True),
        ("ca 1710", (1710, 1710), True),
        ("circa 1710", (1710, 1710), True),
        ("about 1500", (1500, 1500), True),
        ("1870/80", (1870, 1880), False),
        ("1858/59", (1858, 1859), False),
        ("1375/1400", (1375, 1400), False),
        ("1870-1875", (1870, 1875), False),
        ("1650–55", (1650, 1655), False),
        ("1650—1655", (1650, 1655), False),
        ("1898-02", (1898, 1902), False),
        ("c. 1745–50", (1745, 1750), True),
        ("c. 1610/25", (1610, 1625), True),
        ("c. 1580–c. 1600", (1580, 1600), True),
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
