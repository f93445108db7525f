"""Possible mistakes (issue 17 item 7) with the shipped starter and real AIC paintings: a Monet
recorded as William Hogarth's is listed, the right records are not, and the CLI writes them."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

from heritage_desk.core.model import UNKNOWN_ARTIST, Provenance
from heritage_desk.core.names import parse_artist
from heritage_desk.services.doubts import possible_mistakes
from heritage_desk.services.suggestions import SuggestionService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection

RECORD = [
    ("aic_81537.jpg", "Claude Monet (French, 1840–1926)"),
    ("aic_20535.jpg", "William Hogarth (English, 1697–1764)"),  # a Monet: the slip
    ("aic_81555.jpg", "Pierre-Auguste Renoir (French, 1841–1919)"),
    ("aic_59944.jpg", "Follower of William Hogarth"),  # not judged: not Hogarth's own hand
]


def aic_catalogue(
    root: Path, aic: Path, record: list[tuple[str, ...]] = RECORD, date: str | None = None
) -> Path:
    """A catalogue of AIC images with `record`'s artist lines (and one `date` for all)."""
    images = root / "images"
    images.mkdir(parents=True)
    with open(root / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image_file", "artist", "date"])
        for name, artist in record:
            shutil.copyfile(aic / "images" / name, images / name)
            w.writerow([name, artist, date or ""])
    cat = root / "catalogue.sqlite"
    with Catalogue.open(cat) as c:
        assert import_collection(c, images, root / "metadata.csv").added == len(record)
    return cat


def test_a_monet_recorded_as_hogarth_is_a_possible_mistake(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    cat = aic_catalogue(tmp_path, aic_demo_dir)
    with Catalogue.open(cat) as c:
        svc = SuggestionService(c, cache_dir=tmp_path / "cache")
        svc.embed_missing()
        doubts = possible_mistakes(svc)
    assert [Path(d.image_path).name for d in doubts] == ["aic_20535.jpg"]
    (d,) = doubts
    assert d.recorded.startswith("William Hogarth") and d.recorded_probability < 0.05
    # the painter it would say instead, in the catalogue's own spelling ("Claude Monet (...)")
    assert d.alternative == UNKNOWN_ARTIST or parse_artist(d.alternative).key == "claude monet"
    assert d.alternative_probability > 0.5


def test_cli_doubts_writes_them(aic_demo_dir: Path, tmp_path: Path) -> None:
    cat = aic_catalogue(tmp_path, aic_demo_dir)
    out = tmp_path / "doubts.csv"
    env = dict(os.environ, HERITAGE_DESK_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run(
        [sys.executable, "-m", "heritage_desk", "doubts", str(cat), "-q", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "possible mistakes: 1 below 5%" in done.stdout
    (row,) = list(csv.DictReader(out.open(encoding="utf-8")))
    assert Path(row["image_file"]).name == "aic_20535.jpg"
    assert float(row["recorded_probability"]) < 0.05
    bad = subprocess.run(
        [sys.executable, "-m", "heritage_desk", "doubts", str(cat), "--below", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert bad.returncode != 0 and "--below: 2.0 is not a probability" in bad.stderr


def test_the_windows_background_pass_stores_the_same_doubts_for_the_filter(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    """The inference engine (the window's pass) judges the works with a recorded artist as the
    CLI does, and the catalogue's "Possible mistakes" filter and sort find the slip."""
    from heritage_desk import config
    from heritage_desk.core.model import Field
    from heritage_desk.core.progress import CancelToken
    from heritage_desk.core.query import AssetQuery, Sort
    from heritage_desk.services.desk import Desk
    from heritage_desk.services.image_paths import ImageResolver
    from heritage_desk.services.inference_engine import InferenceEngine

    cat = aic_catalogue(tmp_path, aic_demo_dir)
    with Catalogue.open(cat) as c:
        paths = config.paths(tmp_path / "data")
        desk = Desk(c, paths, ImageResolver(c, [tmp_path / "images"]))
        out = InferenceEngine("cpu", 1).predict(desk.suggestion_batch(c.asset_ids()), CancelToken())
        assert len(out.judged) == len(RECORD)  # every work with a recorded artist
        assert len(out.doubts) == 3  # the "Follower of" line is not judged
        desk.store_suggestions(out)
        (slip,) = c.asset_ids(AssetQuery(possible_mistake=True))
        assert Path(c.get_asset(slip).image_path).name == "aic_20535.jpg"
        assert c.asset_ids(AssetQuery(sort=Sort.DOUBT))[0] == slip
        shown = desk.detail(slip).doubt
        cli = possible_mistakes(SuggestionService(c, cache_dir=paths.embeddings))
        assert shown is not None and [d.asset_id for d in cli] == [slip]
        assert abs(shown.recorded_probability - cli[0].recorded_probability) < 1e-6
        assert shown.alternative == cli[0].alternative
        c.set_field(slip, Field.ARTIST, "Claude Monet", Provenance.CURATOR, reviewer="ann")
        assert c.asset_ids(AssetQuery(possible_mistake=True)) == []
