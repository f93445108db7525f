"""AssetQuery in SQL: filters, search, sorts and paging on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heritage_desk.core.model import UNKNOWN_ARTIST, Doubt, Field, Provenance, Suggestion
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.storage.catalogue import Catalogue


@pytest.fixture
def cat(catalogue_url: str) -> Iterator[Catalogue]:
    """Six assets: known and missing artists and dates, suggestions of varied confidence."""
    c = Catalogue.open(catalogue_url)
    rows = [
        # title, artist, date, genre, top artist suggestion probability
        ("Water Lilies", "Claude Monet", "1906", "landscape", None),
        ("Dance at 100%", "RENOIR, Pierre-Auguste", None, "genre painting", None),
        ("Portrait of a Lady", None, "c. 1650", "portrait", 0.9),
        ("Still life", None, None, "still life", 0.2),
        ("Harbour", "After Pierre-Auguste Renoir", None, "landscape", None),
        ("untitled_1", None, None, None, 0.55),
    ]
    with c.transaction():
        for i, (title, artist, date, genre, p) in enumerate(rows, start=1):
            a = c.add_asset(f"img/{i}.jpg", f"{i:064x}", inventory_number=f"INV-{i:03d}")
            c.set_field(a, Field.TITLE, title, Provenance.IMPORTED)
            if artist:
                c.set_field(a, Field.ARTIST, artist, Provenance.IMPORTED)
            if date:
                c.set_field(a, Field.DATE, date, Provenance.IMPORTED, year_from=1600)
            if genre:
                c.set_field(a, Field.GENRE, genre, Provenance.IMPORTED)
            if p is not None:
                c.replace_suggestions(
                    a,
                    [Suggestion(Field.ARTIST, "X", p, 1, "m1"),
                     Suggestion(Field.ARTIST, "Y", p / 4, 2, "m1")],
                )  # fmt: skip
    yield c
    c.close()


def ids(cat: Catalogue, **kw: object) -> list[int]:
    q = AssetQuery(**kw)  # type: ignore[arg-type]
    got = [a.id for a in cat.query_assets(q)]
    assert cat.count_assets(q) == len(got) or q.limit is not None
    return got


def test_filters(cat: Catalogue) -> None:
    assert ids(cat) == [1, 2, 3, 4, 5, 6]
    assert ids(cat, missing_artist=True) == [3, 4, 6]
    assert ids(cat, missing_artist=False) == [1, 2, 5]
    assert ids(cat, missing_date=False) == [1, 3]
    assert ids(cat, has_suggestions=True) == [3, 4, 6]
    assert ids(cat, has_suggestions=False) == [1, 2, 5]
    assert ids(cat, genre="landscape") == [1, 5]
    assert ids(cat, genre="landscape", missing_date=True) == [5]
    assert ids(cat, reviewed=True) == []
    cat.set_field(3, Field.ARTIST, "Frans Hals", Provenance.CURATOR, reviewer="ann")
    assert ids(cat, reviewed=True) == [3]
    assert ids(cat, has_suggestions=True) == [4, 6]  # known now: its suggestions are not pending


def test_artist_filter_matches_spellings_not_attributions(cat: Catalogue) -> None:
    assert ids(cat, artist="Pierre Auguste Renoir") == [2]
    assert ids(cat, artist="RENOIR, Pierre-Auguste") == [2]
    assert ids(cat, artist="after Pierre Auguste Renoir") == [5]
    assert ids(cat, artist="Claude Monet") == [1]


def test_person_filter_matches_every_attribution_of_the_person(cat: Catalogue) -> None:
    """The evidence panel's query: X's own works and those given to X with a qualifier."""
    assert ids(cat, person="Pierre Auguste Renoir") == [2, 5]
    assert ids(cat, person="attributed to Pierre-Auguste Renoir (French, 1841-1919)") == [2, 5]
    assert ids(cat, person="Claude Monet") == [1]
    assert ids(cat, person="Netherlandish") == []  # a culture is no person


def test_text_search(cat: Catalogue) -> None:
    assert ids(cat, text="lily") == []
    assert ids(cat, text="lilies") == [1]
    assert ids(cat, text="renoir") == [2, 5]
    assert ids(cat, text="INV-004") == [4]
    assert ids(cat, text="100%") == [2]  # LIKE wildcards are searched for literally
    assert ids(cat, text="_1") == [6]


def test_sorts_and_paging(cat: Catalogue) -> None:
    assert ids(cat, sort=Sort.CONFIDENCE) == [3, 6, 4, 1, 2, 5]
    assert ids(cat, sort=Sort.UNCERTAINTY) == [4, 6, 3, 1, 2, 5]
    assert ids(cat, sort=Sort.ID, descending=True) == [6, 5, 4, 3, 2, 1]
    assert ids(cat, sort=Sort.TITLE) == [2, 5, 3, 4, 6, 1]
    assert ids(cat, sort=Sort.ARTIST)[:2] == [5, 1]
    assert ids(cat, sort=Sort.ARTIST)[-3:] == [3, 4, 6]  # unknown artists last
    q = AssetQuery(sort=Sort.CONFIDENCE, missing_artist=True)
    assert [a.id for a in cat.query_assets(q.page(1, 1))] == [6]
    assert cat.count_assets(q.page(1, 1)) == 3
    cat.reject_suggestion(3, Field.ARTIST, "X", "ann")  # its best open suggestion is now 0.225
    assert ids(cat, sort=Sort.CONFIDENCE, missing_artist=True) == [6, 3, 4]
    assert cat.asset_ids(q) == [6, 3, 4]


def test_unknown_painter_filter_and_uncertainty(cat: Catalogue) -> None:
    """Where "none of the painters I know" leads, the work is found by the filter and heads
    the least-confident sort (its named candidates are not what the curator should weigh)."""
    cat.replace_suggestions(
        4,
        [Suggestion(Field.ARTIST, UNKNOWN_ARTIST, 0.7, 1, "m1"),
         Suggestion(Field.ARTIST, "X", 0.2, 2, "m1")],
    )  # fmt: skip
    cat.replace_suggestions(
        6,
        [Suggestion(Field.ARTIST, "X", 0.55, 1, "m1"),
         Suggestion(Field.ARTIST, UNKNOWN_ARTIST, 0.3, 2, "m1")],
    )  # fmt: skip
    assert ids(cat, unknown_painter=True) == [4]
    assert ids(cat, unknown_painter=False) == [1, 2, 3, 5, 6]
    assert ids(cat, sort=Sort.UNCERTAINTY, missing_artist=True) == [4, 6, 3]
    assert ids(cat, sort=Sort.CONFIDENCE, missing_artist=True) == [3, 6, 4]
    cat.reject_suggestion(4, Field.ARTIST, UNKNOWN_ARTIST, "ann")  # now X 0.2 leads
    assert ids(cat, unknown_painter=True) == []
    assert ids(cat, sort=Sort.UNCERTAINTY, missing_artist=True) == [4, 6, 3]
    cat.set_field(6, Field.ARTIST, "Frans Hals", Provenance.CURATOR, reviewer="ann")
    cat.replace_suggestions(3, [Suggestion(Field.ARTIST, UNKNOWN_ARTIST, 0.6, 1, "m1")])
    assert ids(cat, unknown_painter=True) == [3]  # a known artist is never an unknown painter


def test_possible_mistakes_filter_sort_and_retire_on_edit(cat: Catalogue) -> None:
    """Doubts about recorded artists: the filter lists those under DOUBT_BELOW, the sort puts
    the most doubted first (unjudged works last), and a doubt stops holding once the artist
    field no longer reads what was judged."""
    judged = [(1, "Claude Monet", 0.01), (2, "RENOIR, Pierre-Auguste", 0.6), (5, "x", 0.04)]
    cat.record_doubts(
        [1, 2, 5],
        [Doubt(a, f"img/{a}.jpg", rec, p, "Edgar Degas", 0.8, "m1") for a, rec, p in judged],
    )
    # 5's row was judged on a value the record no longer has ("After Pierre-Auguste Renoir")
    assert ids(cat, possible_mistake=True) == [1]
    assert ids(cat, possible_mistake=False) == [2, 3, 4, 5, 6]
    assert ids(cat, sort=Sort.DOUBT)[:2] == [1, 2]
    assert ids(cat, sort=Sort.DOUBT, descending=True)[:2] == [2, 1]
    d = cat.doubt(1)
    assert d is not None and d.is_possible_mistake and d.alternative == "Edgar Degas"
    assert cat.doubt(5) is None and cat.doubt(3) is None
    cat.set_field(1, Field.ARTIST, "Édouard Manet", Provenance.CURATOR, reviewer="ann")
    assert ids(cat, possible_mistake=True) == [] and cat.doubt(1) is None
    # judged again with nothing to say (its painter left the vocabulary): the old row goes
    cat.record_doubts([2], [])
    assert cat.doubt(2) is None
