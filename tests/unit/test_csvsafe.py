"""Formula-injection neutralisation that round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heritage_desk.core.csvsafe import is_plain_number, neutralise, restore


@pytest.mark.parametrize(
    "payload",
    ["=1+2", "=HYPERLINK(\"http://evil\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx",
     "=cmd|' /C calc'!A0", "-", "+", "@"],
)  # fmt: skip
def test_formulas_are_neutralised(payload: str) -> None:
    out = neutralise(payload)
    assert out == "'" + payload
    assert restore(out) == payload


@pytest.mark.parametrize("number", ["-12", "-3.5", "+7", "-0.25", "-1e-3", "12", "-.5"])
def test_plain_numbers_stay(number: str) -> None:
    assert is_plain_number(number)
    assert neutralise(number) == number
    assert restore(number) == number


@pytest.mark.parametrize("text", ["Monet", "", "'quoted'", "it's", "O'Keeffe", "1874"])
def test_harmless_text_stays(text: str) -> None:
    assert neutralise(text) == text
    assert restore(text) == text


def test_quote_then_trigger_round_trips() -> None:
    for text in ["'=x", "''=x", "'-12", "'@"]:
        assert neutralise(text) == "'" + text
        assert restore(neutralise(text)) == text


@given(st.text(alphabet=st.sampled_from(list("'=+-@\t\r0123456789.eEab ")), max_size=8))
def test_round_trip_property(text: str) -> None:
    out = neutralise(text)
    assert restore(out) == text
    if out and out[0] in "=+-@\t\r":
        assert is_plain_number(out)
