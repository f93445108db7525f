"""The catalogue repository on real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from heritage_desk.core.model import Action, Asset, Field, Provenance, Suggestion
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import AssetNotFoundError, CatalogueError, ConflictError


@pytest.fixture
def cat(catalogue_url: str) -> Iterator[Catalogue]:
    c = Catalogue.open(catalogue_url)
    yield c
    c.close()


def _asset(cat: Catalogue, n: int, **kw: object) -> int:
    return cat.add_asset(f"img/{n}.jpg", f"{n:064x}", **kw)  # type: ignore[arg-type]


def test_assets_round_trip(cat: Catalogue) -> None:
    a = _asset(cat, 1, width=640, height=480, inventory_number="INV-1")
    got = cat.get_asset(a)
    assert isinstance(got, Asset)
    assert (got.image_path, got.width, got.height, got.inventory_number) == (
        "img/1.jpg", 640, 480, "INV-1",
    )  # fmt: skip
    assert cat.find_asset_by_checksum(f"{1:064x}") == got
    assert cat.find_asset_by_path("img/1.jpg") == got
    assert cat.find_asset_by_checksum("nope") is None
    with pytest.raises(CatalogueError, match="exists already"):
        _asset(cat, 1)
    with pytest.raises(AssetNotFoundError, match="#999"):
        cat.get_asset(999)
    cat.update_asset(a, image_path="moved/1.jpg", inventory_number=None)
    assert cat.get_asset(a).image_path == "moved/1.jpg"
    assert cat.get_asset(a).inventory_number is None


def test_fields_provenance_and_artists(cat: Catalogue) -> None:
    a, b, c = (_asset(cat, i) for i in range(3))
    cat.set_field(a, Field.ARTIST, "RENOIR, Pierre-Auguste", Provenance.IMPORTED)
    cat.set_field(b, Field.ARTIST, "Pierre Auguste Renoir", Provenance.CURATOR, reviewer="ann")
    cat.set_field(c, Field.ARTIST, "After Pierre-Auguste Renoir", Provenance.IMPORTED)
    cat.set_field(a, Field.DATE, "c. 1880", Provenance.IMPORTED, year_from=1875, year_to=1885)
    fv = cat.get_asset(a).fields[Field.DATE]
    assert (fv.value, fv.year_from, fv.year_to, fv.provenance) == (
        "c. 1880", 1875, 1885, Provenance.IMPORTED,
    )  # fmt: skip
    assert fv.decided_at is not None and fv.decided_at.tzinfo is not None
    # One person, three spellings; the attribution is linked but kept as written.
    assert cat.artists() == ["Pierre-Auguste Renoir"]
    assert set(cat.artist_aliases("Renoir, Pierre-Auguste")) == {
        "Pierre-Auguste Renoir", "Pierre Auguste Renoir",
    }  # fmt: skip
    assert cat.get_asset(c).value(Field.ARTIST) == "After Pierre-Auguste Renoir"
    assert cat.vocabulary(Field.ARTIST) == sorted(
        ["RENOIR, Pierre-Auguste", "Pierre Auguste Renoir", "After Pierre-Auguste Renoir"]
    )
    changes = cat.clear_field(a, Field.DATE)
    assert changes.fields and a in changes.asset_ids
    assert cat.get_field(a, Field.DATE) is None


def test_set_field_with_action_appends_decision(cat: Catalogue) -> None:
    a = _asset(cat, 1)
    ch = cat.set_field(a, Field.GENRE, "portrait", Provenance.CURATOR, reviewer="ann",
                       action=Action.EDIT)  # fmt: skip
    assert ch.decisions and ch.fields
    cat.set_field(a, Field.GENRE, "landscape", Provenance.CURATOR, reviewer="bob",
                  action=Action.EDIT)  # fmt: skip
    hist = cat.history(a)
    assert [(d.action, d.old_value, d.new_value, d.reviewer) for d in hist] == [
        (Action.EDIT, None, "portrait", "ann"),
        (Action.EDIT, "portrait", "landscape", "bob"),
    ]
    assert cat.last_decisions(1)[0] == hist[-1]
    assert cat.last_decisions(reviewer="ann") == [hist[0]]


def test_expected_old_conflict_names_reviewer(cat: Catalogue) -> None:
    a = _asset(cat, 1)
    cat.set_field(a, Field.ARTIST, "Claude Monet", Provenance.CURATOR, reviewer="bob",
                  action=Action.EDIT, expected_old=None)  # fmt: skip
    with pytest.raises(
        ConflictError, match=r"artist of asset #1 was changed to 'Claude Monet' by bob"
    ):
        cat.set_field(a, Field.ARTIST, "Renoir", Provenance.CURATOR, reviewer="ann",
                      action=Action.EDIT, expected_old=None)  # fmt: skip
    assert cat.get_asset(a).value(Field.ARTIST) == "Claude Monet"
    assert len(cat.history(a)) == 1  # the refused change left no decision behind


def test_suggestions_replace_reject_and_keep_rejected(cat: Catalogue) -> None:
    a = _asset(cat, 1)
    s = [Suggestion(Field.ARTIST, v, p, r, "m1") for r, (v, p) in
         enumerate([("Monet", 0.6), ("Renoir", 0.3), ("Sisley", 0.1)], start=1)]  # fmt: skip
    cat.replace_suggestions(a, s)
    assert cat.suggestions(a) == s
    cat.reject_suggestion(a, Field.ARTIST, "Monet", "ann")
    assert [x.value for x in cat.suggestions(a)] == ["Renoir", "Sisley"]
    assert len(cat.suggestions(a, include_rejected=True)) == 3
    # A new model run proposing Monet again keeps the curator's rejection.
    cat.replace_suggestions(a, [Suggestion(Field.ARTIST, "Monet", 0.7, 1, "m2")])
    assert cat.suggestions(a) == []
    d = cat.history(a)[-1]
    assert (d.action, d.new_value, d.model_version) == (Action.REJECT, "Monet", "m1")
    many = cat.suggestions_many([a, 999])
    assert many == {a: [], 999: []}


def test_models(cat: Catalogue) -> None:
    assert cat.active_model() is None
    cat.add_model_version("v1", "/m/v1.safetensors", metrics={"top1": 0.5}, active=True)
    cat.add_model_version("v2", "/m/v2.safetensors", metrics={"top1": 0.6})
    assert cat.active_model().version == "v1"  # type: ignore[union-attr]
    assert cat.set_active_model("v2").model
    assert cat.active_model().metrics == {"top1": 0.6}  # type: ignore[union-attr]
    assert {m.version: m.active for m in cat.model_versions()} == {"v1": False, "v2": True}
    with pytest.raises(CatalogueError, match="exists already"):
        cat.add_model_version("v1", "x")
    with pytest.raises(CatalogueError, match="no model version"):
        cat.set_active_model("v9")


def test_stats_and_integrity(cat: Catalogue) -> None:
    a, b, c = (_asset(cat, i) for i in range(3))
    cat.set_field(a, Field.ARTIST, "Monet", Provenance.IMPORTED)
    cat.set_field(a, Field.DATE, "1870s", Provenance.IMPORTED, year_from=1870, year_to=1879)
    cat.set_field(b, Field.DATE, "Date unknown", Provenance.IMPORTED)
    cat.replace_suggestions(c, [Suggestion(Field.ARTIST, "Monet", 0.9, 1, "m1")])
    cat.replace_suggestions(
        a, [Suggestion(Field.ARTIST, "Monet", 0.9, 1, "m1")]
    )  # known: not pending
    # A date kept as text still has a value: "without year" counts what the "Missing year"
    # filter shows and the engine fills (core.model.needs_value), here c only.
    assert cat.stats() == {
        "assets": 3, "with_artist": 1, "without_artist": 2, "with_year": 2, "without_year": 1,
        "pending_suggestions": 1,
    }  # fmt: skip
    assert cat.stats()["without_year"] == cat.count_assets(AssetQuery(missing_date=True))
    assert cat.integrity_check() == []


def test_transaction_is_all_or_nothing(cat: Catalogue) -> None:
    with pytest.raises(RuntimeError), cat.transaction():
        a = _asset(cat, 1)
        cat.set_field(a, Field.TITLE, "t", Provenance.IMPORTED)
        raise RuntimeError("crash mid-import")
    assert cat.count_assets() == 0
    with cat.transaction():
        for i in range(5):
            _asset(cat, i)
    assert cat.count_assets() == 5


def test_open_refuses_missing_and_foreign(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no catalogue at"):
        Catalogue.open(tmp_path / "absent.sqlite", create=False)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(CatalogueError, match="not a heritage_desk catalogue"):
        Catalogue.open(junk)
    with pytest.raises(CatalogueError, match="folder"):
        Catalogue.open(tmp_path)


def test_default_location_is_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERITAGE_DESK_DATA_DIR", str(tmp_path))
    with Catalogue.open() as cat:
        assert cat.is_sqlite
        assert cat.location == str(tmp_path / "catalogue.sqlite")
    assert (tmp_path / "catalogue.sqlite").exists()
