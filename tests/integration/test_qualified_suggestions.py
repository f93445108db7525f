"""Attribution qualifiers on artist suggestions (issue 17 item 5): "attributed to X" where the
model is fairly but not fully sure; accepting keeps the qualifier linked to X through export
and re-import, beside a curator's own "Follower of X"."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from heritage_desk.core.model import UNKNOWN_ARTIST, Asset, Field
from heritage_desk.core.names import parse_artist, split_qualifier
from heritage_desk.ml.predictor import ArtistCandidate, Prediction
from heritage_desk.services.review import ReviewService
from heritage_desk.services.suggestion_model import suggestions_from
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import export_csv
from heritage_desk.storage.importer import import_collection

MONET = "Claude Monet (French, 1840–1926)"


def _prediction(unknown: float, *artists: tuple[str, float]) -> Prediction:
    cands = [ArtistCandidate(a, p, r, None) for r, (a, p) in enumerate(artists, start=1)]
    return Prediction(cands, None, "m-1", unknown)


def _values(pred: Prediction, names: dict[str, str] | None = None) -> list[tuple[str, float]]:
    blank = Asset(id=1, image_path="a.jpg", checksum="a" * 64)
    spelled = {parse_artist(c.artist).key: c.artist for c in pred.artists}
    out = suggestions_from(blank, pred, {**spelled, **(names or {})}, top_k=5)
    return [(s.value, round(s.probability, 3)) for s in out if s.field is Field.ARTIST]


def test_the_qualifier_follows_the_probability() -> None:
    sure = _values(_prediction(0.02, ("Claude Monet", 0.95), ("Alfred Sisley", 0.03)))
    assert sure[0] == ("Claude Monet", 0.95)  # sure enough to name
    fair = _values(
        _prediction(0.1, ("Claude Monet", 0.7), ("Alfred Sisley", 0.2)),
        {"claude monet": MONET},
    )
    assert fair[0] == (f"attributed to {MONET}", 0.7)  # the catalogue's spelling, qualified
    # An alternative below one in two stays bare; "none of the painters I know" is unqualified.
    assert fair[1:] == [("Alfred Sisley", 0.2), (UNKNOWN_ARTIST, 0.1)]


def test_a_qualified_suggestion_round_trips_accept_export_reimport(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    images = tmp_path / "images"
    images.mkdir()
    for name in ("aic_93784.jpg", "aic_41208.jpg"):
        shutil.copyfile(aic_demo_dir / "images" / name, images / name)
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        import_collection(cat, images)
        found = [cat.find_asset_by_path(n) for n in ("aic_93784.jpg", "aic_41208.jpg")]
        first, second = (a.id for a in found if a is not None)
        asset = cat.get_asset(first)
        names = {"claude monet": "Claude Monet"}
        fair = suggestions_from(
            asset, _prediction(0.1, ("Claude Monet", 0.7), ("Alfred Sisley", 0.2)), names, 5
        )
        cat.replace_suggestions(first, fair)
        ReviewService(cat).accept(first, Field.ARTIST, fair[0], "ana")
        ReviewService(cat).edit(second, Field.ARTIST, "Follower of Anthony van Dyck", "ana")
        assert cat.get_asset(first).value(Field.ARTIST) == "attributed to Claude Monet"
        out = tmp_path / "export.csv"
        export_csv(cat, out)
    with Catalogue.open(tmp_path / "fresh.sqlite") as fresh:
        import_collection(fresh, images, out)
        by_file = {fresh.get_asset(i).image_path: fresh.get_asset(i) for i in fresh.asset_ids()}
        monet = by_file["aic_93784.jpg"].value(Field.ARTIST) or ""
        dyck = by_file["aic_41208.jpg"].value(Field.ARTIST) or ""
    assert split_qualifier(monet) == ("attributed to", "Claude Monet")
    assert parse_artist(dyck).qualifier == "follower of"
    assert parse_artist(dyck).key == "anthony van dyck"
    # The qualifier is stored linked to the person, not only in the text.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.display_name, f.qualifier FROM field_values f JOIN artists a "
                "ON a.id = f.artist_id WHERE f.field = 'artist' ORDER BY f.qualifier"
            )
        ).all()
    engine.dispose()
    assert [(parse_artist(n).key, q) for n, q in rows] == [
        ("claude monet", "attributed to"),
        ("anthony van dyck", "follower of"),
    ]
