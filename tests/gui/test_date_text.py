"""How a date suggestion reads in the review panel."""

from __future__ import annotations

from heritage_desk.core.model import Field, Suggestion
from heritage_desk.gui.suggestions_panel import date_text


def _date(lo: int, hi: int, estimate: int | None) -> Suggestion:
    return Suggestion(Field.DATE, "1860s", 0.8, 1, "m1", lo, hi, estimate)


def test_a_wide_range_reads_as_the_range_with_its_likeliest_decade_and_median() -> None:
    assert date_text(_date(1650, 1899, 1745)) == "1650–1899  (likeliest 1860s; median 1745)"
    # Suggestions stored before the median existed read as they did.
    assert date_text(_date(1650, 1899, None)) == "1650–1899  (likeliest 1860s)"
    # A narrow range reads as its decade: the median adds nothing a curator needs there.
    assert date_text(_date(1855, 1874, 1864)) == "1860s  (1855–1874)"
