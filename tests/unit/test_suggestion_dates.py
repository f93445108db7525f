"""A date the curator knows is handed to the model with the asset (see Predictor.probabilities)."""

from __future__ import annotations

from heritage_desk.core.model import Asset, Field, FieldValue, Provenance
from heritage_desk.services.suggestion_trust import dating_artist
from heritage_desk.services.suggestions import known_years


def _asset(i: int, date: FieldValue | None) -> Asset:
    return Asset(i, f"{i}.jpg", f"sum{i}", fields={Field.DATE: date} if date else {})


def test_known_years_are_the_recorded_spans() -> None:
    circa = FieldValue(Field.DATE, "c. 1870s", Provenance.IMPORTED, year_from=1870, year_to=1879)
    exact = FieldValue(Field.DATE, "1888", Provenance.CURATOR, year_from=1888)
    words = FieldValue(Field.DATE, "undated", Provenance.IMPORTED)  # text the parser left alone
    assets = [_asset(1, circa), _asset(2, exact), _asset(3, words), _asset(4, None)]
    assert known_years(assets) == [(1870, 1879), (1888, 1888), None, None]


def test_a_recorded_artist_dates_the_work_unless_another_hand_made_it() -> None:
    """The artist the record names is handed over to date the work by their works
    (Predictor.dated_by), unless the line says the hand is another's."""

    def named(line: str) -> Asset:
        value = FieldValue(Field.ARTIST, line, Provenance.IMPORTED)
        return Asset(1, "1.jpg", "sum1", fields={Field.ARTIST: value})

    monet = "Claude Monet (French, 1840–1926)"
    assert dating_artist(named(monet)) == monet
    assert (
        dating_artist(named("Attributed to Anthony van Dyck")) == "Attributed to Anthony van Dyck"
    )
    for other_hand in ("After Peter Paul Rubens", "Follower of Rembrandt", "Unknown artist"):
        assert dating_artist(named(other_hand)) is None, other_hand
    assert dating_artist(_asset(2, None)) is None
