"""One retrain per catalogue across processes, and the leftovers of a retrain that never registered.

Another process holding the catalogue's retrain lock stands for a retrain in another app (the
GUI's auto-retrain while `heritage-desk retrain` runs): a second retrain fails at once with a
message naming the catalogue, and works once the holder exits or is killed with SIGKILL. At
service start, checkpoints no model version refers to are removed when old, never while
another process holds the lock, and never a registered one, a young one or the starter.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from heritage_desk import config
from heritage_desk.cli import main as cli_main
from heritage_desk.services.retrain import RetrainBusyError, RetrainService, RetrainSettings
from heritage_desk.services.retrain_lock import RetrainLock
from heritage_desk.services.retrain_versions import CHECKPOINT_MIN_AGE_S, models_dir_for
from heritage_desk.services.suggestions import SuggestionService
from heritage_desk.storage.catalogue import Catalogue
from tests.reliability.helpers import (
    ROOT,
    a_brief_hold_never_fails_a_start_unnamed,
    asking_never_fails_a_start,
    build_retrain_collection,
    child_env,
    child_pids,
)

SETTINGS = RetrainSettings(num_threads=1, epochs=3, prewarm_at=0)
OLD = time.time() - 10 * CHECKPOINT_MIN_AGE_S


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return build_retrain_collection(tmp_path_factory.mktemp("retrain-lock"), per_artist=8)


@pytest.fixture
def catalogue(tmp_path: Path, collection: tuple[Path, Path, Path]) -> Iterator[Catalogue]:
    cat_path = tmp_path / "c.sqlite"
    cat_path.write_bytes(collection[0].read_bytes())
    with Catalogue.open(cat_path) as cat:
        yield cat


def _service(cat: Catalogue, collection: tuple[Path, Path, Path]) -> RetrainService:
    svc = SuggestionService(cat, cache_dir=collection[1], starter=collection[2])
    return RetrainService(cat, svc, settings=SETTINGS)  # models beside the catalogue file


def _hold_lock(models: Path, name: str) -> subprocess.Popen[str]:
    """Another process that takes the retrain lock and keeps it until its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.child", "retrain-lock", str(models), name],
        cwd=ROOT,
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("LOCKED"), line
    return proc


def _end(holder: subprocess.Popen[str], how: str) -> None:
    assert holder.stdin is not None and holder.stdout is not None
    if how == "kill":
        os.kill(holder.pid, signal.SIGKILL)  # no finally, no unlock: the OS must release it
    holder.stdin.close()
    holder.wait(30)
    holder.stdout.close()


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_second_retrain_fails_fast_while_another_process_retrains(
    catalogue: Catalogue, collection: tuple[Path, Path, Path], how: str
) -> None:
    models = models_dir_for(catalogue)
    holder = _hold_lock(models, catalogue.location)
    try:
        retrain = _service(catalogue, collection)
        assert not retrain.should_retrain()  # the GUI's auto-retrain does not even try
        t0 = time.monotonic()
        with pytest.raises(RetrainBusyError) as err:
            retrain.retrain(refresh=False)
        assert time.monotonic() - t0 < 2.0
        msg = str(err.value)
        assert catalogue.location in msg and "already running" in msg, msg
        assert f"process {holder.pid}" in msg, msg
        assert not child_pids(os.getpid(), "retrain_child")  # no child was started
        assert not [v for v in catalogue.model_versions() if v.version.startswith("m")]
        assert not retrain.running
    finally:
        _end(holder, how)
    result = retrain.retrain(refresh=False)  # the lock is free again, even after kill -9
    assert result.status in ("activated", "kept"), result.reason
    assert result.version is not None and Path(result.version.path).is_file()
    assert not RetrainLock(models, "x").busy()  # and released after the retrain


def test_cli_retrain_while_another_process_retrains_says_so(
    catalogue: Catalogue,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(config.DATA_DIR_ENV, str(tmp_path / "data"))
    holder = _hold_lock(models_dir_for(catalogue), catalogue.location)
    try:
        status = cli_main(["retrain", catalogue.location, "-q"])
    finally:
        _end(holder, "exit")
    err = capsys.readouterr().err.strip()
    assert status == 1
    assert err.startswith("heritage-desk: error: a retrain of catalogue ")
    assert "already running" in err and "Traceback" not in err and "\n" not in err, err


def _write(p: Path, old: bool) -> Path:
    p.write_bytes(b"x")
    if old:
        os.utime(p, (OLD, OLD))
    return p


def test_unregistered_old_checkpoints_are_removed_at_service_start(
    catalogue: Catalogue, collection: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    models = models_dir_for(catalogue)
    models.mkdir()
    registered = _write(models / "m002-20260101T120000.safetensors", old=True)
    catalogue.add_model_version("m002-20260101T120000", str(registered), active=False)
    # A row whose path still points where the catalogue used to be: kept by name.
    moved = "/elsewhere/m003-20260102T120000.safetensors"
    catalogue.add_model_version("m003-20260102T120000", moved)
    keep = [
        registered,
        _write(models / "m002-20260101T120000.json", old=True),
        _write(models / "m002-20260101T120000.curves.json", old=True),
        _write(models / "m003-20260102T120000.safetensors", old=True),
        _write(models / "m005-20260104T120000.safetensors", old=False),  # a retrain just saved
        _write(models / "m005-20260104T120000.json", old=False),
        _write(models / "starter.safetensors", old=True),
        _write(models / "notes.json", old=True),
    ]
    gone = [
        _write(models / "m004-20260103T120000.safetensors", old=True),  # died before register
        _write(models / "m004-20260103T120000.json", old=True),
        _write(models / "m006-20260105T120000.json", old=True),  # a sidecar alone
        _write(models / ".m007-20260106T120000.safetensors.x.tmp", old=False),
    ]
    holder = _hold_lock(models, catalogue.location)
    try:
        _service(catalogue, collection)  # another process retrains: nothing is touched
        assert all(p.exists() for p in keep + gone)
    finally:
        _end(holder, "exit")
    _service(catalogue, collection)
    assert [p.name for p in keep if not p.exists()] == []
    assert [p.name for p in gone if p.exists()] == []


def test_check_repair_leaves_the_models_folder_alone_while_a_retrain_runs(
    catalogue: Catalogue,
) -> None:
    from heritage_desk.services.check import check_catalogue
    from heritage_desk.services.check_report import CheckOptions

    models = models_dir_for(catalogue)
    models.mkdir(parents=True, exist_ok=True)
    partial = models / ".m002-20261128T120000.safetensors.abcd1234.tmp"  # the child writing
    partial.write_bytes(b"half a checkpoint")
    os.utime(partial, (OLD, OLD))
    holder = _hold_lock(models, catalogue.location)
    try:
        report = check_catalogue(catalogue, CheckOptions(images_roots=[]))
        assert partial.exists()
        assert any("already running" in f.message for f in report.findings)
    finally:
        _end(holder, "exit")
    report = check_catalogue(catalogue, CheckOptions(images_roots=[]))
    assert not partial.exists()
    assert any(Path(f.where) == partial for f in report.repairs)


def test_asking_whether_a_retrain_runs_never_makes_a_start_fail(tmp_path: Path) -> None:
    """`busy()` takes the file lock for an instant to ask (no portable test-without-taking);
    a start at that instant waits out the instant instead of saying "already running" with a
    holder note the asker left behind. Two lock objects conflict as two processes do (flock
    belongs to the open file), so threads stand for the two curators here."""
    asker, starter = (
        RetrainLock(tmp_path, "c.sqlite", "alice"),
        RetrainLock(tmp_path, "c.sqlite", "bob"),
    )
    starter.acquire()
    starter.release()  # the lock file exists, as after any retrain
    asking_never_fails_a_start(asker, starter, "curator bob")  # and the asker wrote no note


def test_a_holder_letting_go_at_once_never_makes_a_start_fail_by_nobody(tmp_path: Path) -> None:
    """The SQLite twin of the PostgreSQL test: a service's instant hold at start-up (cleaning
    its models folder) makes another's start wait it out or name it, never name nobody."""
    brief, starter = (
        RetrainLock(tmp_path, "c.sqlite", "alice"),
        RetrainLock(tmp_path, "c.sqlite", "bob"),
    )
    a_brief_hold_never_fails_a_start_unnamed(brief, starter, "curator alice")
