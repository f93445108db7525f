"""`heritage-desk suggest` and `retrain` as a batch user runs them: real processes, real files."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from heritage_desk.cli.model_verbs import CSV_COLUMNS
from heritage_desk.core.model import Field, Provenance
from heritage_desk.core.names import parse_artist
from heritage_desk.core.query import AssetQuery
from heritage_desk.services.suggestions import STARTER_NAME, starter_version
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection

try:  # the sibling module, however pytest imported this one
    from tests.integration.test_retrain import STARTER_ARTISTS, build_starter, wikiart_rows
except ImportError:  # pragma: no cover
    from test_retrain import STARTER_ARTISTS, build_starter, wikiart_rows  # type: ignore[no-redef]

pytestmark = pytest.mark.slow
PER_ARTIST = 6


def _cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heritage_desk", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def setup(wikiart_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A catalogue of 18 paintings, half without artist and date; a starter in resources."""
    root = tmp_path_factory.mktemp("cli")
    rows = wikiart_rows(wikiart_dir, STARTER_ARTISTS)
    starter = build_starter(
        [r for a in STARTER_ARTISTS for r in rows[a][:30]],
        root / "resources" / "models" / STARTER_NAME,
    )
    images = root / "images"
    images.mkdir()
    truth: dict[str, str] = {}
    with open(root / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image_file", "artist", "date", "title"])
        for i, r in enumerate(r for a in STARTER_ARTISTS for r in rows[a][60 : 60 + PER_ARTIST]):
            name = f"{i:03d}.jpg"
            shutil.copyfile(r.path, images / name)
            truth[name] = r.artist
            hide = i % 2 == 0
            year = "" if hide or r.year is None else str(r.year)
            w.writerow([name, "" if hide else r.artist, year, r.title])
    cat = root / "catalogue.sqlite"
    with Catalogue.open(cat) as c:
        assert import_collection(c, images, root / "metadata.csv").added == len(truth)
    env = dict(os.environ, HERITAGE_DESK_RESOURCES=str(root / "resources"))
    env["HERITAGE_DESK_DATA_DIR"] = str(root / "data")  # a fresh, empty embedding cache
    return {
        "root": root,
        "cat": cat,
        "images": images,
        "starter": starter,
        "truth": truth,
        "env": env,
    }


def test_suggest_writes_one_row_per_asset_lacking_artist_or_year(setup: dict) -> None:
    root, cat, images, env = setup["root"], setup["cat"], setup["images"], setup["env"]
    out = root / "suggestions.csv"
    p = _cli("suggest", str(cat), "--images", str(images), "--out", str(out), env=env)
    assert p.returncode == 0, p.stderr
    assert f"embedded: {len(setup['truth'])} new, 0 already" in p.stdout
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == CSV_COLUMNS
    col = {c: i for i, c in enumerate(CSV_COLUMNS)}
    with Catalogue.open(cat) as c:
        lacking = [
            a
            for a in c.query_assets(AssetQuery())
            if a.value(Field.ARTIST) is None
            or a.fields.get(Field.DATE) is None
            or a.fields[Field.DATE].year_from is None
        ]
    assert len(rows) - 1 == len(lacking)
    version = starter_version(setup["starter"])
    right = 0
    hidden = 0
    for r in rows[1:]:
        name = Path(r[col["image_file"]]).name
        assert Path(r[col["image_file"]]).is_file()
        assert r[col["model_version"]] == version
        assert r[col["decade"]].endswith("s")
        assert int(r[col["year_from"]]) <= int(r[col["year_to"]])
        assert 0.0 < float(r[col["year_range_probability"]]) <= 1.0
        # The single best year: inside its range (the median of the distribution behind it).
        assert int(r[col["year_from"]]) <= int(r[col["year_estimate"]]) <= int(r[col["year_to"]])
        if r[col["artist_1"]]:
            hidden += 1
            probs = [float(r[col[f"artist_{i}_probability"]] or 0) for i in range(1, 4)]
            assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
            key = parse_artist(setup["truth"][name]).key
            right += parse_artist(r[col["artist_1"]]).key == key
    assert hidden == len(setup["truth"]) // 2
    assert right >= 0.6 * hidden  # the starter knows these three artists
    # A second run finds every embedding cached.
    p = _cli("suggest", str(cat), "--images", str(images), env=env)
    assert p.returncode == 0 and "embedded: 0 new" in p.stdout, p.stderr


def test_retrain_cli_reports_the_new_version(setup: dict) -> None:
    cat, images, env = setup["cat"], setup["images"], setup["env"]
    p = _cli("suggest", str(cat), "--images", str(images), "-q", env=env)
    assert p.returncode == 0, p.stderr
    with Catalogue.open(cat) as c:  # the curator names two hidden works
        for a in c.query_assets(AssetQuery(missing_artist=True, limit=2)):
            name = Path(a.image_path).name
            c.set_field(
                a.id, Field.ARTIST, setup["truth"][name], Provenance.CURATOR, reviewer="cli-test"
            )
    p = _cli("retrain", str(cat), "--images", str(images), "--threads", "1", env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = dict(ln.split(": ", 1) for ln in p.stdout.splitlines() if ": " in ln)
    assert lines["version"].startswith("m001-")
    assert lines["status"] in ("activated", "kept")
    with Catalogue.open(cat) as c:
        names = [v.version for v in c.model_versions()]
        assert lines["version"] in names and starter_version(setup["starter"]) in names
        assert c.integrity_check() == []


def test_suggest_without_any_model_fails_with_one_line(setup: dict, tmp_path: Path) -> None:
    env = dict(setup["env"], HERITAGE_DESK_RESOURCES=str(tmp_path / "empty"))
    fresh = tmp_path / "c.sqlite"
    Catalogue.open(fresh).close()
    p = _cli("suggest", str(fresh), env=env)
    assert p.returncode == 1
    assert p.stderr.strip().count("\n") == 0 and "no model to suggest with" in p.stderr
