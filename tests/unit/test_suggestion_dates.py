"""A date the curator knows is handed to the model with the asset (see Predictor.probabilities)."""

from __future__ import annotations

from heritage_desk.core.model import Asset, Field, FieldValue, Provenance
from heritage_desk.services.suggestions import known_years


def _asset(i: int, date: FieldValue | None) -> Asset:
    return Asset(i, f"{i}.jpg", f"sum{i}", fields={Field.DATE: date} if date else {})


def test_known_years_are_the_recorded_spans() -> None:
    circa = FieldValue(Field.DATE, "c. 1870s", Provenance.IMPORTED, year_from=1870, year_to=1879)
    exact = FieldValue(Field.DATE, "1888", Provenance.CURATOR, year_from=1888)
    words = FieldValue(Field.DATE, "undated", Provenance.IMPORTED)  # text the parser left alone
    assets = [_asset(1, circa), _asset(2, exact), _asset(3, words), _asset(4, None)]
    assert known_years(assets) == [(1870, 1879), (1888, 1888), None, None]
