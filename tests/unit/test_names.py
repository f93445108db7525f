"""Artist names: one key per person, attributions kept apart and linked."""

from __future__ import annotations

import pytest

from heritage_desk.core.names import name_key, parse_artist, same_person

RENOIR = [
    "Pierre-Auguste Renoir",
    "Pierre Auguste Renoir",
    "RENOIR, Pierre-Auguste",
    "Renoir, Pierre Auguste",
    "Pierre-Auguste Renoir (French, 1841-1919)",
    "Pierre-Auguste Renoir (French, 1841–1919)",
    "Pierre-Auguste Renoir, French, 1841-1919",
    "pierre-auguste-renoir",
    "  pierre   auguste  RENOIR ",
]


@pytest.mark.parametrize("text", RENOIR)
def test_renoir_spellings_share_one_key(text: str) -> None:
    ref = parse_artist(text)
    assert ref.key == "pierre auguste renoir"
    assert ref.qualifier is None
    assert ref.is_person
    assert ref.written == " ".join(text.split())


def test_diacritics_do_not_matter() -> None:
    assert parse_artist("Paul Cézanne").key == parse_artist("Paul Cezanne").key
    assert parse_artist("CÉZANNE, Paul").name == "Paul Cézanne"
    assert name_key("Édouard Manet") == "edouard manet"
    assert same_person("Mihály Munkácsy", "Mihaly Munkacsy")


@pytest.mark.parametrize(
    ("text", "qualifier", "name"),
    [
        ("After Jean Baptiste Joseph Pater", "after", "Jean Baptiste Joseph Pater"),
        ("Follower of Anthony van Dyck (Flemish, 1599–1641)", "follower of", "Anthony van Dyck"),
        ("Attributed to Ercole de' Roberti (Italian, 1455/56–1496)", "attributed to",
         "Ercole de' Roberti"),
        ("Workshop of Apollonio di Giovanni (Italian, 1415/17-1465) Marco del Buono",
         "workshop of", "Apollonio di Giovanni"),
        ("Circle of Rembrandt", "circle of", "Rembrandt"),
        ("School of Raphael", "school of", "Raphael"),
        ("Manner of Canaletto", "manner of", "Canaletto"),
        ("In the style of Canaletto", "manner of", "Canaletto"),
        ("Studio of Titian", "studio of", "Titian"),
        ("Copy after Titian", "copy after", "Titian"),
        ("attr. Titian", "attributed to", "Titian"),
        ("Rembrandt van Rijn, follower of", "follower of", "Rembrandt van Rijn"),
        ("Renoir, Pierre-Auguste (after)", "after", "Pierre-Auguste Renoir"),
        ("Titian and workshop", "and workshop", "Titian"),
        ("Follower of the Master of Saint Veronica", "follower of", "Master of Saint Veronica"),
    ],
)  # fmt: skip
def test_attributions_are_kept_and_linked(text: str, qualifier: str, name: str) -> None:
    ref = parse_artist(text)
    assert (ref.qualifier, ref.name) == (qualifier, name)
    assert ref.written == text
    assert ref.key == parse_artist(name).key  # linked to the person...
    assert ref.attribution_key != ref.key  # ...but not merged into them


def test_attribution_keys_differ_by_qualifier() -> None:
    keys = {
        parse_artist(t).attribution_key for t in ("Titian", "After Titian", "Workshop of Titian")
    }
    assert len(keys) == 3


@pytest.mark.parametrize("text", ["", "Unknown", "unknown artist", "Anonymous", "  ", "?"])
def test_unknown_is_anonymous_without_key(text: str) -> None:
    ref = parse_artist(text)
    assert ref.anonymous and ref.key == "" and not ref.is_person


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Netherlandish", "Netherlandish"),
        ("Dutch", "Dutch"),
        ("Netherlandish or German; possibly Rhenish", "Netherlandish or German"),
        ("South German; possibly Ulm", "South German"),
        ("Central Italian", "Central Italian"),
        ("Italian or Spanish", "Italian or Spanish"),
        ("Flemish; possibly Antwerp", "Flemish"),
    ],
)
def test_cultures_are_anonymous(text: str, name: str) -> None:
    ref = parse_artist(text)
    assert ref.anonymous and not ref.is_person
    assert ref.name == name and ref.key


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Joos de Momper, II", "Joos de Momper II"),
        ("Momper, Joos de, II", "Joos de Momper II"),
        ("VAN GOGH, Vincent", "Vincent van Gogh"),
        ("Pieter Gerritsz. van Roestraeten", "Pieter Gerritsz. van Roestraeten"),
        ("Félix Edouard Vallotton (French, born Switzerland, 1865–1925)",
         "Félix Edouard Vallotton"),
        ("Jean Hey (Master of Moulins; Netherlandish, active in France, c. 1480-", "Jean Hey"),
        ("Master of Riglos", "Master of Riglos"),
    ],
)  # fmt: skip
def test_display_names(text: str, name: str) -> None:
    assert parse_artist(text).name == name


def test_different_people_differ() -> None:
    assert not same_person("Giovanni di Paolo", "Sano di Pietro")
    assert not same_person("Unknown", "Unknown")
