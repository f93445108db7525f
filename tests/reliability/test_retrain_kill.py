"""kill -9 during a retrain: the retrain child at every stage, and the app (its parent).

Synthetic embeddings (no dataset, no backbone weights): the child trains a real head in a real
process. After each kill the old model stays active, nothing half-written is registered or
left behind once the next RetrainService starts, and a later retrain works.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from heritage_desk.core.progress import Progress
from heritage_desk.services.check import CheckOptions, check_location
from heritage_desk.services.retrain import RetrainService, RetrainSettings
from heritage_desk.services.suggestions import SuggestionService
from heritage_desk.storage.catalogue import Catalogue
from tests.reliability.helpers import (
    alive,
    build_retrain_collection,
    child_pids,
    kill9,
    read_until,
    sqlite_integrity,
    start_child,
)

SETTINGS = RetrainSettings(num_threads=1, epochs=40)


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return build_retrain_collection(tmp_path_factory.mktemp("retrain"))


def _services(cat: Catalogue, cache: Path, starter: Path, models: Path) -> RetrainService:
    svc = SuggestionService(cat, cache_dir=cache, starter=starter)
    return RetrainService(cat, svc, models_dir=models, settings=SETTINGS)


def _kill_retrain_child_after(n_progress: int, delay: float = 0.0):  # type: ignore[no-untyped-def]
    """A progress callback that SIGKILLs our retrain child at its nth progress report."""
    seen = [0]

    def progress(_p: Progress) -> None:
        seen[0] += 1
        if seen[0] == n_progress:
            time.sleep(delay)
            for pid in child_pids(os.getpid(), "retrain_child"):
                os.kill(pid, signal.SIGKILL)

    return progress


def _assert_untouched(
    cat: Catalogue, retrain: RetrainService, before: object, versions: list[str]
) -> None:
    assert retrain.suggestions.current_model() == before
    assert [v.version for v in cat.model_versions()] == versions
    assert cat.integrity_check() == []


def _fresh_start_cleans(cat: Catalogue, cache: Path, starter: Path, models: Path) -> None:
    """What the app does at its next start: a new RetrainService; no temp file survives it."""
    _services(cat, cache, starter, models)
    assert not list(models.glob("*.tmp")) and not list(models.glob(".*.tmp"))
    registered = {Path(v.path).name for v in cat.model_versions()}
    assert {p.name for p in models.glob("m*.safetensors")} <= registered


def _run_with_kills(tmp_path: Path, collection: tuple[Path, Path, Path],
                    points: list[tuple[int, float]]) -> None:  # fmt: skip
    cat_src, cache, starter = collection
    cat_path = tmp_path / "c.sqlite"
    cat_path.write_bytes(cat_src.read_bytes())
    models = tmp_path / "models"
    with Catalogue.open(cat_path) as cat:
        retrain = _services(cat, cache, starter, models)
        for n, delay in points:
            before = retrain.suggestions.current_model()
            versions = [v.version for v in cat.model_versions()]
            result = retrain.retrain(_kill_retrain_child_after(n, delay), refresh=False)
            if result.status != "failed":  # the child finished before the kill landed
                continue
            _assert_untouched(cat, retrain, before, versions)
            _fresh_start_cleans(cat, cache, starter, models)
        retrain = _services(cat, cache, starter, models)
        result = retrain.retrain(refresh=False)  # after all that, a retrain still works
        assert result.status in ("activated", "kept"), result.reason
        assert Path(result.version.path).is_file()  # type: ignore[union-attr]
    assert sqlite_integrity(cat_path) == []


def test_kill_the_retrain_child_then_retrain_works(tmp_path: Path, collection) -> None:  # type: ignore[no-untyped-def]
    _run_with_kills(tmp_path, collection, [(1, 0.0)])


@pytest.mark.slow
def test_kill_the_retrain_child_at_many_points(tmp_path: Path, collection) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    points = [(n, 0.0) for n in (1, 2, 5, 10, 20, 39)]
    points += [(40, rng.uniform(0, 0.5)) for _ in range(6)]  # around the save and validation
    _run_with_kills(tmp_path, collection, points)


@pytest.mark.slow
def test_kill_the_app_mid_retrain_orphans_stop_and_nothing_registers(
    tmp_path: Path, collection: tuple[Path, Path, Path]
) -> None:
    cat_src, cache, starter = collection
    cat_path = tmp_path / "c.sqlite"
    cat_path.write_bytes(cat_src.read_bytes())
    models = tmp_path / "models"
    app = start_child("retrain", str(cat_path), str(cache), str(starter), str(models))
    lines = read_until(app, "PROGRESS", timeout=180)
    assert lines and lines[-1].startswith("PROGRESS"), lines
    orphans = child_pids(app.pid, "retrain_child")
    assert orphans, "no retrain child found under the app process"
    kill9(app)
    deadline = time.monotonic() + 15
    while any(alive(p) for p in orphans) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in orphans), "the orphaned retrain child kept running"
    assert sqlite_integrity(cat_path) == []
    with Catalogue.open(cat_path) as cat:
        assert not [v for v in cat.model_versions() if not v.version.startswith("starter")]
        _fresh_start_cleans(cat, cache, starter, models)
    report = check_location(str(cat_path), CheckOptions(models_dir=models, temp_min_age_s=0))
    assert report.ok, report.lines()
