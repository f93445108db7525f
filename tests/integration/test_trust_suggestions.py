"""Suggestions held to what the record says (issue 17), with the shipped starter and real AIC
images: a known date rules out painters who were not working then (app service and CLI), and a
painting by a painter the starter cannot know gets "none of the painters I know" first."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from heritage_desk.core.model import UNKNOWN_ARTIST, Field
from heritage_desk.services.suggestions import SuggestionService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection

#: A fête galante "after Pater" the starter sees William Hogarth (died 1764) in.
HOGARTH_LIKE = "aic_105698.jpg"
#: Painters the starter does not know: Stefano Pozzi, Alessandro Longhi, Carlo Crivelli,
#: Johann Michael Rottmayr, Alessandro Magnasco. (Not every such work gets it first: the museum
#: benchmark counts those that still get a confident name, docs/benchmarks.md.)
UNKNOWN_PAINTERS = (
    "aic_41208.jpg",
    "aic_88374.jpg",
    "aic_111622.jpg",
    "aic_12883.jpg",
    "aic_4092.jpg",
)


def _catalogue(root: Path, aic: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A catalogue of the named AIC images with the given artist and date cells."""
    images = root / "images"
    images.mkdir(parents=True)
    with open(root / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image_file", "artist", "date"])
        for name, artist, date in rows:
            shutil.copyfile(aic / "images" / name, images / name)
            w.writerow([name, artist, date])
    cat = root / "catalogue.sqlite"
    with Catalogue.open(cat) as c:
        assert import_collection(c, images, root / "metadata.csv").added == len(rows)
    return cat


def _suggest_csv(cat: Path, out: Path, data: Path) -> list[dict[str, str]]:
    """`heritage-desk suggest CAT --out OUT` as a user runs it; the rows it wrote."""
    env = dict(os.environ, HERITAGE_DESK_DATA_DIR=str(data))
    done = subprocess.run(
        [sys.executable, "-m", "heritage_desk", "suggest", str(cat), "-q", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(out.open(encoding="utf-8")))


def _museum_rows(aic: Path, confirmed: int, blank: int) -> list[tuple[str, str, str]]:
    """The first AIC works with the museum's own artist line and date, then works to review."""
    labels = list(csv.DictReader((aic / "labels.csv").open(encoding="utf-8")))
    name = [r["image_file"].split("/")[-1] for r in labels]
    shown = [(name[k], r["artist_display"], r["date_display"]) for k, r in enumerate(labels)]
    return shown[:confirmed] + [(n, "", "") for n in name[confirmed : confirmed + blank]]


def _artists(cat: Path, cache: Path, name: str) -> list[tuple[str, float]]:
    with Catalogue.open(cat) as c:
        svc = SuggestionService(c, cache_dir=cache)
        svc.refresh()
        asset = c.find_asset_by_path(name)
        assert asset is not None
        return [
            (s.value, s.probability) for s in c.suggestions(asset.id) if s.field is Field.ARTIST
        ]


def test_a_work_dated_1905_is_not_given_to_hogarth(aic_demo_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    undated = _catalogue(tmp_path / "a", aic_demo_dir, [(HOGARTH_LIKE, "", "")])
    blind = _artists(undated, cache, HOGARTH_LIKE)
    named = [a for a, _ in blind if a != UNKNOWN_ARTIST]
    assert "William Hogarth" in named, blind  # a painter it knows that the image suggests
    dated = _catalogue(tmp_path / "b", aic_demo_dir, [(HOGARTH_LIKE, "", "1905")])
    told = _artists(dated, cache, HOGARTH_LIKE)
    assert told and all(a != "William Hogarth" for a, _ in told)  # died 1764: ruled out
    assert abs(sum(p for _, p in told) - 1) < 0.05 or len(told) == 5


def test_cli_suggest_rules_out_hogarth_for_1905(aic_demo_dir: Path, tmp_path: Path) -> None:
    cat = _catalogue(tmp_path, aic_demo_dir, [(HOGARTH_LIKE, "", "1905")])
    (row,) = _suggest_csv(cat, tmp_path / "s.csv", tmp_path / "data")
    named = [row[f"artist_{i}"] for i in range(1, 6)]
    assert named[0] and "William Hogarth" not in named
    # Nothing confirmed in this catalogue: every stated figure is the starter's prior.
    assert row["artist_probability_source"].startswith("starter prior (n=")
    assert row["year_range_probability_source"].startswith("starter prior (n=")
    assert all(row[f"artist_{i}_qualifier"] in ("", "attributed to") for i in range(1, 6))


@pytest.mark.slow
def test_an_unknown_painter_gets_none_of_the_painters_i_know(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    labels = {
        r["image_file"].split("/")[-1]: r
        for r in csv.DictReader((aic_demo_dir / "labels.csv").read_text("utf-8").splitlines())
    }
    # The record a curator imports: a few confirmed works, known painters and unknown ones.
    confirmed = [n for n in labels if n not in UNKNOWN_PAINTERS][:40]
    rows = [(n, labels[n]["artist_display"], labels[n]["date_display"]) for n in confirmed]
    rows += [(n, "", "") for n in UNKNOWN_PAINTERS]
    cat = _catalogue(tmp_path, aic_demo_dir, rows)
    with Catalogue.open(cat) as c:
        SuggestionService(c, cache_dir=tmp_path / "cache").refresh()
        for name in UNKNOWN_PAINTERS:
            asset = c.find_asset_by_path(name)
            assert asset is not None
            first = c.suggestions(asset.id)[0]
            assert first.field is Field.ARTIST and first.rank == 1
            assert first.value == UNKNOWN_ARTIST and first.probability >= 0.5, (name, first)


def test_a_second_suggest_says_where_its_figures_were_measured(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    """Suggestions stored by a first `suggest` were made with this catalogue's own fit (it has
    confirmed works); a second `suggest`, with nothing to recompute, must say so too (it said
    "starter prior" beside the same numbers, e.g. after a retrain that was not activated)."""
    cat = _catalogue(tmp_path, aic_demo_dir, _museum_rows(aic_demo_dir, 24, 4))
    first, second = (_suggest_csv(cat, tmp_path / f"s{k}.csv", tmp_path / "data") for k in (0, 1))
    assert len(first) >= 4 and first == second  # the same stored suggestions, the same words
    assert first[0]["year_range_probability_source"].startswith("this catalogue (n=")
    assert first[0]["artist_probability_source"].startswith("this catalogue (n=")


def test_suggestions_made_before_the_confirmed_works_were_embedded_are_made_again(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    """The window suggests for the works to review before it has embedded the confirmed ones,
    so those figures are the starter's prior, and each suggestion says so. Once the confirmed
    works are embedded, the CLI's suggest (stale_only) makes them again with this catalogue's
    own fit, and says so."""
    rows = _museum_rows(aic_demo_dir, 24, 4)
    blank = [name for name, artist, _ in rows if not artist][-4:]
    cat_path = _catalogue(tmp_path, aic_demo_dir, rows)
    cache = tmp_path / "cache"
    with Catalogue.open(cat_path) as c:
        todo = [a.id for a in (c.find_asset_by_path(n) for n in blank) if a is not None]
        SuggestionService(c, cache_dir=cache).refresh(asset_ids=todo)  # embeds only these
        before = {s.figures for i in todo for s in c.suggestions(i)}
        assert before == {"starter prior (n=2314)", "starter prior (n=690)"}, before
        svc = SuggestionService(c, cache_dir=cache)
        changed = svc.refresh(stale_only=True)  # embeds the confirmed works, then measures
        assert set(todo) <= changed.asset_ids
        after = [s.figures or "" for i in todo for s in c.suggestions(i)]
        assert after and all(f.startswith("this catalogue (n=") for f in after), after
        stored = c.suggestions(todo[0])
        assert svc.figure_sources(stored) == (stored[0].figures, stored[-1].figures)
