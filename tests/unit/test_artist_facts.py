"""Artist life dates and authority ids: parsed from museum lines, kept on the artist, read back."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from heritage_desk.core.artist_facts import (
    ArtistFacts,
    AuthorityIds,
    LifeDates,
    life_from_begin_end,
    parse_authority,
    parse_life_dates,
)
from heritage_desk.core.model import Field, Provenance
from heritage_desk.storage import db, migrations
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
from tests.fixtures.broken import good_jpeg, write_csv


@pytest.mark.parametrize(
    ("text", "born", "died", "active", "approximate"),
    [
        ("Claude Monet (French, 1840–1926)", 1840, 1926, None, False),
        ("After Jean Baptiste Joseph Pater (French, 1695-1736)", 1695, 1736, None, False),
        ("Attributed to Ercole de' Roberti (Italian, 1455/56–1496)", 1455, 1496, None, True),
        ("Attributed to Martin Schaffner (German, 1477/78–1546/49)", 1477, 1549, None, True),
        ("Carlo Crivelli (Italian, 1430/35–before 1495)", 1430, 1495, None, True),
        ("Attributed to Raffaello Botticini (Italian, 1477–c.1520)", 1477, 1520, None, True),
        ("Salomon van Ruysdael (Dutch, about 1602–1670)", 1602, 1670, None, True),
        ("Félix Edouard Vallotton (French, born Switzerland, 1865–1925)", 1865, 1925, None, False),
        ("Master of Riglos (Spanish, active c. 1435–1460)", None, None, (1435, 1460), True),
        ("Martín de Soria (Spanish, active 1449–87)", None, None, (1449, 1487), False),
        ("Bernat Martorell (Spanish, active from 1427–died 1452)", None, 1452, (1427, None), False),
        (
            "Jean Hey (Master of Moulins; Netherlandish, active in France, c. 1480-c.1504)",
            None, None, (1480, 1504), True,
        ),
        ("Dutch, Leiden 1606–1669 Amsterdam", 1606, 1669, None, False),  # Met Artist Display Bio
        ("American, born 1950", 1950, None, None, False),
        ("British, 1928–", 1928, None, None, False),
        ("Greek, ca. 470–399 B.C.", -470, -399, None, True),
    ],
)  # fmt: skip
def test_life_dates_from_museum_lines(
    text: str, born: int | None, died: int | None, active: tuple[int, int | None] | None,
    approximate: bool,
) -> None:  # fmt: skip
    life = parse_life_dates(text)
    assert life is not None
    assert (life.born, life.died) == (born, died)
    assert (life.active_from, life.active_to) == (active or (None, None))
    assert life.approximate is approximate


@pytest.mark.parametrize("text", ["Dutch", "Netherlandish or German; possibly Rhenish", "", None,
                                  "Claude Monet", "Painted 1874"])  # fmt: skip
def test_no_life_dates_where_none_are_stated(text: str | None) -> None:
    assert parse_life_dates(text) is None


def test_every_demo_artist_line_with_years_gives_life_dates(aic_demo_dir: Path) -> None:
    """The AIC demo's artist_display: each line whose brackets hold a year yields dates."""
    with (aic_demo_dir / "labels.csv").open(encoding="utf-8") as fh:
        lines = {r["artist_display"] for r in csv.DictReader(fh)}
    dated = {ln for ln in lines if "(" in ln and any(c.isdigit() for c in ln)}
    assert len(dated) > 90
    for line in dated:
        life = parse_life_dates(line)
        assert life is not None and not life.is_empty, line
        assert life.earliest is None or life.latest is None or life.earliest < life.latest, line


def test_met_begin_end_dates_and_the_9999_placeholder() -> None:
    assert life_from_begin_end("1840", "1926") == LifeDates(born=1840, died=1926)
    assert life_from_begin_end("1950", "9999") == LifeDates(born=1950)  # living: no death year
    assert life_from_begin_end("", "") is None
    active = life_from_begin_end("1525", "1550", "German, active ca. 1525–50")
    assert active is not None and (active.active_from, active.active_to) == (1525, 1550)


def test_authority_ids_from_urls_and_bare_ids() -> None:
    assert parse_authority("ulan", "http://vocab.getty.edu/page/ulan/500019484") == "500019484"
    assert parse_authority("ulan", "500019484") == "500019484"
    assert parse_authority("wikidata", "https://www.wikidata.org/wiki/Q296") == "Q296"
    assert parse_authority("wikidata", "q296") == "Q296"
    assert parse_authority("rkd", "https://rkd.nl/explore/artists/57013") == "57013"
    assert parse_authority("rkd", "https://rkd.nl/en/explore/artists/57013") == "57013"
    assert parse_authority("ulan", "") is None
    assert parse_authority("wikidata", "Monet") is None
    ids = AuthorityIds(ulan="500019484", wikidata="Q296", rkd="57013")
    assert ids.urls() == {
        "ulan": "http://vocab.getty.edu/page/ulan/500019484",
        "wikidata": "https://www.wikidata.org/wiki/Q296",
        "rkd": "https://rkd.nl/explore/artists/57013",
    }


@pytest.fixture
def cat(catalogue_url: str) -> Iterator[Catalogue]:
    c = Catalogue.open(catalogue_url)
    yield c
    c.close()


def test_facts_are_kept_and_never_overwritten(cat: Catalogue) -> None:
    monet = ArtistFacts("claude monet", "Claude Monet", LifeDates(born=1840, died=1926),
                        AuthorityIds(ulan="500019484"), "a.csv row 2")  # fmt: skip
    assert cat.record_artist_facts([monet]) == []
    other = ArtistFacts("claude monet", "Claude Monet", LifeDates(born=1841),
                        AuthorityIds(wikidata="Q296"), "b.csv row 9")  # fmt: skip
    notes = cat.record_artist_facts([other])
    assert len(notes) == 1 and "born 1841 differs from the recorded 1840" in notes[0]
    facts = cat.artist_facts("Claude Monet (French, 1840–1926)")  # any spelling of the person
    assert facts is not None
    assert (facts.life.born, facts.life.died) == (1840, 1926)
    assert (facts.ids.ulan, facts.ids.wikidata) == ("500019484", "Q296")  # an empty id is filled
    assert facts.source == "a.csv row 2"
    assert cat.artist_life_dates("claude monet") == facts.life
    assert cat.artist_life_dates("Nobody Known") is None
    assert set(cat.all_artist_facts()) == {"claude monet"}


def test_import_keeps_life_dates_from_the_artist_line_and_met_columns(
    cat: Catalogue, tmp_path: Path
) -> None:
    images = tmp_path / "images"
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        good_jpeg(images / name)
    rows = [
        ["Image", "Artist Display Name", "Artist Display Bio", "Artist Begin Date",
         "Artist End Date", "Artist ULAN URL", "Artist Wikidata URL", "Object Date"],
        ["a.jpg", "Rembrandt van Rijn", "Dutch, Leiden 1606–1669 Amsterdam", "1606", "1669",
         "http://vocab.getty.edu/page/ulan/500011051", "https://www.wikidata.org/wiki/Q5598",
         "1653"],
        ["b.jpg", "Kehinde Wiley", "American, born 1977", "1977", "9999", "", "", "2005"],
        ["c.jpg", "Claude Monet (French, 1840–1926)", "", "", "", "", "", "c. 1880"],
    ]  # fmt: skip
    write_csv(tmp_path / "met.csv", rows)
    report = import_collection(cat, images, tmp_path / "met.csv")
    assert report.added == 3 and report.artist_facts == 3
    rembrandt = cat.artist_facts("Rembrandt van Rijn")
    assert rembrandt is not None
    assert (rembrandt.life.born, rembrandt.life.died) == (1606, 1669)
    assert (rembrandt.ids.ulan, rembrandt.ids.wikidata, rembrandt.ids.rkd) == (
        "500011051", "Q5598", None,
    )  # fmt: skip
    assert rembrandt.source == "met.csv row 2"
    wiley = cat.artist_life_dates("Kehinde Wiley")
    assert wiley is not None and (wiley.born, wiley.died) == (1977, None)  # 9999 is no death
    monet = cat.artist_life_dates("Claude Monet")
    assert monet is not None and (monet.born, monet.died) == (1840, 1926)
    # The circa date is a CCO range, its text kept verbatim.
    c = next(a for a in cat.get_assets(cat.asset_ids()) if a.image_path == "c.jpg")
    d = c.fields[Field.DATE]
    assert (d.value, d.year_from, d.year_to) == ("c. 1880", 1875, 1885)


def test_demo_import_keeps_artist_display_life_dates(cat: Catalogue, aic_demo_dir: Path) -> None:
    report = import_collection(cat, aic_demo_dir / "images", aic_demo_dir / "labels.csv")
    assert report.added == 135
    assert report.mapping["artist_bio"] == "artist_display"
    monet = cat.artist_life_dates("Claude Monet")
    assert monet is not None and (monet.born, monet.died) == (1840, 1926)
    renoir = cat.artist_life_dates("Pierre Auguste Renoir")  # the model's spelling finds him
    assert renoir is not None and (renoir.born, renoir.died) == (1841, 1919)
    riglos = cat.artist_life_dates("Master of Riglos")
    assert riglos is not None and (riglos.active_from, riglos.active_to) == (1435, 1460)
    assert len(cat.all_artist_facts()) >= 60


def test_migration_backfills_life_dates_from_existing_artist_cells(catalogue_url: str) -> None:
    engine = db.create_engine(catalogue_url)
    migrations.migrate(engine, target="0003")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO artists (id, key, display_name) "
                             "VALUES (1, 'claude monet', 'Claude Monet')"))  # fmt: skip
        conn.execute(sa.text("INSERT INTO assets (id, image_path, checksum, added_at) "
                             "VALUES (1, 'a.jpg', 'c1', CURRENT_TIMESTAMP)"))  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO field_values (asset_id, field, value, artist_id, provenance, confirmed) "
            "VALUES (1, 'artist', 'Claude Monet (French, 1840–1926)', 1, 'imported', false)"
        ))  # fmt: skip
    engine.dispose()
    with Catalogue.open(catalogue_url) as cat:
        assert cat.migration.from_revision == "0003"
        life = cat.artist_life_dates("Claude Monet")
        assert life is not None and (life.born, life.died) == (1840, 1926)
        facts = cat.artist_facts("Claude Monet")
        assert facts is not None and facts.ids.is_empty  # ids are never guessed
        assert cat.get_asset(1).fields[Field.ARTIST].provenance is Provenance.IMPORTED
