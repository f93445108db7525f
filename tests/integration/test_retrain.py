"""Retraining on real paintings with real child processes and real SQLite catalogues.

A tiny starter model knows three WikiArt artists; the catalogue also holds two artists the
starter has never seen, all hidden. The curator confirms some, a retrain runs in a child
process, and the suggestions for the works still hidden get better. Killing or cancelling the
child leaves the old model active and the catalogue sound.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from heritage_desk import config
from heritage_desk.core.model import Field
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken
from heritage_desk.services.retrain import RetrainService, RetrainSettings, clean_temp_files
from heritage_desk.services.retrain_protocol import TrainingProgress
from heritage_desk.services.review import ReviewService
from heritage_desk.services.suggestions import SuggestionService, starter_version
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection

STARTER_ARTISTS = ("Claude Monet", "Rembrandt", "Katsushika Hokusai")
#: Known to the starter but absent from the catalogue: a retrain must not forget them.
ABSENT_ARTIST = "Fernand Leger"
NEW_ARTISTS = ("Andy Warhol", "Canaletto")
PER_STARTER = 30  # images per artist the starter learns from
PER_CATALOGUE = 30  # images per starter artist in the catalogue
PER_NEW = 40  # images per new artist in the catalogue
REVIEWER = "tester"
#: Embeddings are keyed by image checksum + backbone, so one cache serves every run.
TEST_CACHE = Path(
    os.environ.get("HERITAGE_TEST_EMBEDDINGS", config.PROJECT_DIR / ".work" / "test-embeddings")
)


@dataclass(frozen=True)
class Row:
    path: Path
    artist: str
    year: int | None
    title: str
    style: str
    genre: str


def wikiart_rows(root: Path, artists: tuple[str, ...]) -> dict[str, list[Row]]:
    """Each artist's rows of labels.csv, in file order."""
    out: dict[str, list[Row]] = {a: [] for a in artists}
    with open(root / "labels.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["artist"] in out:
                year = int(r["year"]) if r["year"] else None
                out[r["artist"]].append(
                    Row(
                        root / r["image_file"],
                        r["artist"],
                        year,
                        r["title"],
                        r["style"],
                        r["genre"],
                    )
                )
    return out


def build_starter(rows: list[Row], out: Path) -> Path:
    """A small starter checkpoint (lite0 head + exemplars) trained on `rows`."""
    from heritage_desk.ml.checkpoint import save_checkpoint
    from heritage_desk.ml.data import Example
    from heritage_desk.ml.embeddings import Embedder, EmbeddingCache
    from heritage_desk.ml.exemplars import attach_exemplars
    from heritage_desk.ml.train import TrainConfig, train_head

    emb = Embedder("lite0", cache=EmbeddingCache(TEST_CACHE), num_threads=1)
    feats = emb.embed_files([r.path for r in rows])
    examples = [
        Example(str(r.path), r.artist, r.year, r.genre or None, r.style or None, None, r.title)
        for r in rows
    ]
    tm = train_head(examples, feats, TrainConfig(epochs=30, num_threads=1), backbone="lite0")
    attach_exemplars(tm, examples, feats, per_artist=8)  # as the shipped starter does
    return save_checkpoint(tm, out)


@dataclass(frozen=True)
class Collection:
    """A closed catalogue file to copy, its images, the starter and the hidden truths."""

    catalogue: Path
    images: Path
    starter: Path
    truth: dict[str, Row]  # image file name -> row, for every asset
    hidden: frozenset[str]  # image file names whose artist and date were blanked
    absent: tuple[Row, ...]  # works of ABSENT_ARTIST the starter did not see


def make_collection(root: Path, wikiart: Path) -> Collection:
    rows = wikiart_rows(wikiart, (*STARTER_ARTISTS, ABSENT_ARTIST, *NEW_ARTISTS))
    starter_rows = [r for a in (*STARTER_ARTISTS, ABSENT_ARTIST) for r in rows[a][:PER_STARTER]]
    starter = build_starter(starter_rows, root / "starter" / "starter.safetensors")
    cat_rows = [
        r for a in STARTER_ARTISTS for r in rows[a][PER_STARTER : PER_STARTER + PER_CATALOGUE]
    ]
    cat_rows += [r for a in NEW_ARTISTS for r in rows[a][:PER_NEW]]
    images = root / "images"
    images.mkdir()
    truth: dict[str, Row] = {}
    hidden: set[str] = set()
    with open(root / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image_file", "artist", "date", "title", "style", "genre"])
        for i, r in enumerate(cat_rows):
            name = f"{i:04d}_{r.path.name}"
            shutil.copyfile(r.path, images / name)
            truth[name] = r
            # Every new artist's work is hidden; a third of the starter artists' too.
            hide = r.artist in NEW_ARTISTS or i % 3 == 0
            if hide:
                hidden.add(name)
            year = "" if hide or r.year is None else str(r.year)
            w.writerow([name, "" if hide else r.artist, year, r.title, r.style, r.genre])
    cat_path = root / "base.sqlite"
    with Catalogue.open(cat_path) as cat:
        report = import_collection(cat, images, root / "metadata.csv")
        assert report.added == len(cat_rows), report.lines()
    absent = rows[ABSENT_ARTIST][PER_STARTER : PER_STARTER + 20]
    return Collection(cat_path, images, starter, truth, frozenset(hidden), tuple(absent))


@pytest.fixture(scope="module")
def collection(wikiart_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Collection:
    return make_collection(tmp_path_factory.mktemp("collection"), wikiart_dir)


@dataclass
class Opened:
    cat: Catalogue
    svc: SuggestionService
    retrain: RetrainService
    models: Path


@pytest.fixture
def opened(collection: Collection, tmp_path: Path) -> Iterator[Opened]:
    """A private copy of the catalogue with its services."""
    path = tmp_path / "catalogue.sqlite"
    shutil.copyfile(collection.catalogue, path)
    cat = Catalogue.open(path)
    svc = SuggestionService(
        cat,
        cache_dir=TEST_CACHE,
        images_root=collection.images,
        starter=collection.starter,
        num_threads=1,
    )
    models = tmp_path / "models"
    settings = RetrainSettings(num_threads=1, confirmations_trigger=20)
    service = RetrainService(cat, svc, models_dir=models, settings=settings)
    yield Opened(cat, svc, service, models)
    service.close()
    cat.close()


def top1_accuracy(o: Opened, collection: Collection, names: set[str]) -> float:
    """Share of `names` whose best artist suggestion is the true person."""
    hits = 0
    for name in names:
        asset = o.cat.find_asset_by_path(name)
        assert asset is not None
        top = o.cat.suggestions(asset.id, Field.ARTIST)
        truth = parse_artist(collection.truth[name].artist).key
        hits += bool(top) and parse_artist(top[0].value).key == truth
    return hits / len(names)


def absent_hits(checkpoint: Path, rows: tuple[Row, ...]) -> int:
    """How many works of an artist the catalogue does not hold a checkpoint names right."""
    from heritage_desk.ml.embeddings import Embedder, EmbeddingCache
    from heritage_desk.ml.predictor import Predictor

    feats = Embedder("lite0", cache=EmbeddingCache(TEST_CACHE), num_threads=1).embed_files(
        [r.path for r in rows]
    )
    preds = Predictor.load(checkpoint).predict_many(feats, top_k=1)
    return sum(p.artists[0].artist == ABSENT_ARTIST for p in preds)


def test_confirmations_then_retrain_improve_hidden_suggestions(
    opened: Opened, collection: Collection
) -> None:
    o = opened
    o.svc.refresh()
    starter_name = starter_version(collection.starter)
    hidden = sorted(collection.hidden)
    new_hidden = [n for n in hidden if collection.truth[n].artist in NEW_ARTISTS]
    # The curator names every other hidden work of the new artists and accepts the right
    # starter suggestions for every other hidden work of the known ones.
    review = ReviewService(o.cat)
    confirmed: set[str] = set()
    for i, name in enumerate(hidden):
        if i % 2:
            continue
        asset = o.cat.find_asset_by_path(name)
        assert asset is not None
        truth = collection.truth[name]
        top = o.cat.suggestions(asset.id, Field.ARTIST)
        assert top and top[0].model_version == starter_name
        if parse_artist(top[0].value).key == parse_artist(truth.artist).key:
            review.accept(asset.id, Field.ARTIST, top[0], REVIEWER)
        else:
            review.edit(asset.id, Field.ARTIST, truth.artist, REVIEWER)
        confirmed.add(name)
    still = set(hidden) - confirmed
    still_new = still & set(new_hidden)
    before = top1_accuracy(o, collection, still)
    before_new = top1_accuracy(o, collection, still_new)
    before_known = top1_accuracy(o, collection, still - still_new)
    assert before_new == 0.0  # the starter cannot know artists it never saw
    assert o.retrain.should_retrain()

    t0 = time.perf_counter()
    result = o.retrain.retrain()
    elapsed = time.perf_counter() - t0
    assert result.status == "activated", result.reason
    assert result.version is not None and result.version.active
    assert o.cat.active_model() == result.version
    assert result.baseline is not None  # validated against the starter on the same items
    assert result.metrics["artist_top1"] >= result.baseline["artist_top1"]
    after = top1_accuracy(o, collection, still)
    after_new = top1_accuracy(o, collection, still_new)
    after_known = top1_accuracy(o, collection, still - still_new)
    print(
        f"still-hidden top-1 {before:.2f} -> {after:.2f} (new artists {before_new:.2f} -> "
        f"{after_new:.2f}, starter artists {before_known:.2f} -> {after_known:.2f}); "
        f"retrain + refresh {elapsed:.1f} s"
    )
    assert after > before + 0.2
    assert after_new >= 0.6
    assert after_known >= before_known - 0.15 - 1e-9  # the starter's artists are not forgotten
    # Nor is an artist the starter knows and the catalogue lacks (it lives on in exemplars).
    # Counted, not as shares: 0.6 >= 0.8 - 0.2 is False in floating point (it failed CI).
    n = len(collection.absent)
    absent_before = absent_hits(collection.starter, collection.absent)
    absent_after = absent_hits(Path(result.version.path), collection.absent)
    print(f"{ABSENT_ARTIST} (not in the catalogue): {absent_before} -> {absent_after} of {n}")
    assert absent_after >= absent_before - n // 5 and 2 * absent_after >= n
    # Suggestions now say which model made them; confirmed values get none.
    asset = o.cat.find_asset_by_path(sorted(still_new)[0])
    assert asset is not None
    assert {s.model_version for s in o.cat.suggestions(asset.id)} == {result.version.version}
    assert not o.retrain.should_retrain()
    # Versions are listed with their metrics; rollback is one action.
    versions = o.retrain.versions()
    assert [v.version for v in versions] == [result.version.version, starter_name]
    assert "holdout_artist_top1" in versions[0].metrics
    o.retrain.rollback()
    assert o.cat.active_model() is not None
    assert o.cat.active_model().version == starter_name  # type: ignore[union-attr]
    assert o.svc.current_model().version == starter_name  # type: ignore[union-attr]
    # Evidence: the most similar confirmed works of a suggested artist.
    ev = o.svc.evidence(asset.id, [collection.truth[sorted(still_new)[0]].artist], k=3)
    works = next(iter(ev.values()))
    assert len(works) == 3 and works[0].similarity >= works[-1].similarity
    assert o.cat.integrity_check() == []


def _start_and_wait_for_progress(o: Opened, epochs: int) -> tuple[object, threading.Thread, dict]:
    o.retrain.settings = RetrainSettings(num_threads=1, epochs=epochs)
    job = o.retrain.prepare()
    seen = threading.Event()
    box: dict[str, object] = {}
    cancel = CancelToken()
    box["cancel"] = cancel

    def on_event(e: object) -> None:
        if isinstance(e, TrainingProgress):
            seen.set()

    def run() -> None:
        box["outcome"] = job.run(cancel=cancel, on_event=on_event)

    t = threading.Thread(target=run)
    t.start()
    assert seen.wait(60), "the child reported no progress"
    return job, t, box


def test_killing_the_child_keeps_the_old_model_and_a_sound_catalogue(opened: Opened) -> None:
    o = opened
    o.svc.refresh()
    before = o.svc.current_model()
    job, t, box = _start_and_wait_for_progress(o, epochs=100_000)
    os.kill(job.pid, signal.SIGKILL)  # type: ignore[attr-defined, arg-type]
    t.join(30)
    outcome = box["outcome"]
    assert outcome.status == "failed"  # type: ignore[attr-defined]
    result = o.retrain.register(job, outcome)  # type: ignore[arg-type]
    assert result.status == "failed" and result.version is None
    assert o.cat.model_versions() == []
    assert o.svc.current_model() == before
    assert o.cat.integrity_check() == []
    assert not any(p.suffix == ".safetensors" for p in o.models.iterdir())
    # A crash mid-save leaves a temp file: the next start removes it.
    (o.models / ".m009.safetensors.abc.tmp").write_bytes(b"half")
    svc2 = RetrainService(o.cat, o.svc, models_dir=o.models)
    assert not list(o.models.glob("*.tmp")) and svc2.models_dir == o.models
    assert clean_temp_files(o.models) == []


def test_cancel_stops_the_child_quickly(opened: Opened) -> None:
    o = opened
    job, t, box = _start_and_wait_for_progress(o, epochs=100_000)
    t0 = time.perf_counter()
    box["cancel"].cancel()  # type: ignore[attr-defined]
    t.join(30)
    assert time.perf_counter() - t0 < 10
    outcome = box["outcome"]
    assert outcome.status == "cancelled"  # type: ignore[attr-defined]
    with pytest.raises(ProcessLookupError):
        os.kill(job.pid, 0)  # type: ignore[arg-type]
    result = o.retrain.register(job, outcome)  # type: ignore[arg-type]
    assert result.status == "cancelled" and not o.retrain.running
    assert o.cat.model_versions() == []
    assert not job.out_path.exists()


def test_a_model_worse_on_held_out_items_is_kept_inactive_with_the_reason(
    opened: Opened, collection: Collection
) -> None:
    o = opened
    o.svc.refresh()
    before = o.svc.current_model()
    # A bar no model can pass: the new one must beat the active one by more than 100 %.
    o.retrain.settings = RetrainSettings(num_threads=1, tolerance=-1.01, year_tolerance=-1.01)
    result = o.retrain.retrain()
    assert result.status == "kept" and result.version is not None
    assert not result.version.active
    assert result.reason.startswith("not activated: worse than the active model")
    assert "artist top-1" in result.reason
    assert o.svc.current_model() == before
    versions = {v.version: v for v in o.retrain.versions()}
    assert versions[result.version.version].note == result.reason
    assert versions[starter_version(collection.starter)].active
    # The curator can still switch to it by hand, and roll back in one action.
    o.retrain.activate(result.version.version)
    assert o.svc.current_model().version == result.version.version  # type: ignore[union-attr]
    o.retrain.rollback()
    assert o.svc.current_model() == before


def test_the_child_reports_a_manifest_without_labels_as_one_clear_error(opened: Opened) -> None:
    from heritage_desk.services.retrain import RetrainJob
    from heritage_desk.services.retrain_manifest import Manifest

    job = RetrainJob()
    job.send(
        Manifest("m999", "lite0", ["full"], str(TEST_CACHE), items=[]),
        o_out := opened.models / "x.safetensors",
    )
    outcome = job.run()
    assert outcome.status == "failed"
    assert "no confirmed artist or year" in outcome.message
    assert not o_out.exists()


def test_a_damaged_active_model_stops_suggestions_with_one_line(
    opened: Opened, collection: Collection, tmp_path: Path
) -> None:
    """No silent fallback: suggestions with another model would be recorded against it."""
    from heritage_desk.services.suggestions import ModelUnavailableError

    o = opened
    o.svc.refresh()
    asset = o.cat.find_asset_by_path(sorted(collection.hidden)[0])
    assert asset is not None
    before = o.cat.suggestions(asset.id)
    bad = tmp_path / "m001-bad.safetensors"
    bad.write_bytes(b"\x80\x04pickle, not a checkpoint")
    o.cat.add_model_version("m001-bad", str(bad), active=True, note="activated: test")
    with pytest.raises(ModelUnavailableError, match="m001-bad cannot be loaded") as info:
        o.svc.refresh()
    assert "\n" not in str(info.value)
    assert o.svc.model_error is not None and "m001-bad" in o.svc.model_error
    assert o.cat.suggestions(asset.id) == before  # nothing rewritten with the starter
