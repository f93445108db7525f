"""An accepted suggestion: the catalogue's spelling of the artist, and where the value came from."""

from __future__ import annotations

from pathlib import Path

from heritage_desk.core.model import Field, Provenance, Suggestion
from heritage_desk.storage.catalogue import Catalogue

RENOIR = "Pierre-Auguste Renoir (French, 1841–1919)"


def test_an_accepted_artist_is_written_as_the_catalogue_writes_it(tmp_path: Path) -> None:
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        known = cat.add_asset("a.jpg", "a" * 64)
        cat.set_field(known, Field.ARTIST, RENOIR, Provenance.IMPORTED)
        blank = cat.add_asset("b.jpg", "b" * 64)
        model = Suggestion(Field.ARTIST, "Pierre Auguste Renoir", 0.7, 1, "m-1")
        other = Suggestion(Field.ARTIST, "Claude Monet", 0.2, 2, "m-1")
        cat.replace_suggestions(blank, [model, other])
        cat.accept_suggestions([(blank, model)], "ana")
        fv = cat.get_asset(blank).fields[Field.ARTIST]
        assert fv.value == RENOIR
        assert fv.origin == "artist suggestion 1 of model m-1 (Pierre Auguste Renoir, 70%)"
        # A painter the catalogue has never written keeps the model's spelling.
        third = cat.add_asset("c.jpg", "c" * 64)
        cat.replace_suggestions(third, [other])
        cat.accept_suggestions([(third, other)], "ana")
        assert cat.get_asset(third).value(Field.ARTIST) == "Claude Monet"
        (last,) = [d for d in cat.history(third) if d.field is Field.ARTIST]
        assert last.origin == cat.get_asset(third).fields[Field.ARTIST].origin


def test_a_narrowed_date_range_is_kept_and_said(tmp_path: Path) -> None:
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        a = cat.add_asset("a.jpg", "a" * 64)
        date = Suggestion(Field.DATE, "1860s", 0.62, 1, "m-1", 1855, 1874)
        cat.replace_suggestions(a, [date])
        narrowed = Suggestion(Field.DATE, "1860–1865", 0.62, 1, "m-1", 1860, 1865)
        cat.accept_suggestions([(a, narrowed)], "ana")
        fv = cat.get_asset(a).fields[Field.DATE]
        assert (fv.year_from, fv.year_to) == (1860, 1865)
        assert fv.origin == (
            "date suggestion 1 of model m-1 (1860s, 1855–1874, 62%), range edited to 1860–1865"
        )
        cat.undo("ana")
        assert Field.DATE not in cat.get_asset(a).fields


def test_an_attribution_is_accepted_and_suggested_in_the_catalogues_spelling(
    tmp_path: Path,
) -> None:
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        for i in range(2):
            known = cat.add_asset(f"k{i}.jpg", str(i) * 64)
            cat.set_field(known, Field.ARTIST, RENOIR, Provenance.IMPORTED)
        odd = cat.add_asset("o.jpg", "o" * 64)
        cat.set_field(odd, Field.ARTIST, "Pierre-Auguste Renoir", Provenance.CURATOR)
        blank = cat.add_asset("b.jpg", "b" * 64)
        model = Suggestion(Field.ARTIST, "attributed to Pierre Auguste Renoir", 0.6, 1, "m-1")
        cat.replace_suggestions(blank, [model])
        cat.accept_suggestions([(blank, model)], "ana")
        assert cat.get_asset(blank).value(Field.ARTIST) == f"attributed to {RENOIR}"
        # What suggestions show: the spelling most of the catalogue's records use (an accepted
        # value does not vote), the display name for a person no record names unqualified.
        names = cat.canonical_artist_names()
        assert names["pierre auguste renoir"] == RENOIR
        other = cat.add_asset("m.jpg", "m" * 64)
        cat.set_field(other, Field.ARTIST, "After Claude Monet (French, 1840-1926)",
                      Provenance.IMPORTED)  # fmt: skip
        assert cat.canonical_artist_names()["claude monet"] == "Claude Monet"
