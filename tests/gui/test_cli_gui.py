"""`heritage-desk gui` as a user runs it: a real process, a screenshot, a refused second window."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.gui.conftest import TEST_CACHE, Collection

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def _env(tmp_path: Path, collection: Collection) -> dict[str, str]:
    """A private data folder, and resources whose starter model is the test model."""
    res = tmp_path / "resources"
    (res / "models").mkdir(parents=True)
    shutil.copyfile(collection.starter, res / "models" / "starter.safetensors")
    env = dict(os.environ)
    env.update(
        HERITAGE_DESK_RESOURCES=str(res),
        HERITAGE_DESK_DATA_DIR=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


def _catalogue(tmp_path: Path, collection: Collection) -> Path:
    """The test catalogue beside its images (relative paths resolve next to the file)."""
    folder = tmp_path / "collection"
    shutil.copytree(collection.images, folder)
    shutil.copyfile(collection.catalogue, folder / "catalogue.sqlite")
    return folder / "catalogue.sqlite"


def test_screenshot_waits_for_suggestions_and_saves_a_large_png(
    tmp_path: Path, collection: Collection
) -> None:
    env = _env(tmp_path, collection)
    # Share the embeddings already computed by the other tests (keyed by content).
    shutil.copytree(TEST_CACHE, tmp_path / "data" / "cache" / "embeddings", dirs_exist_ok=True)
    cat = _catalogue(tmp_path, collection)
    out = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "heritage_desk", "gui", str(cat), "--screenshot", str(out),
         "--timeout", "240"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    img = QImage(str(out))
    assert img.width() >= 1280 and img.height() >= 800
    log = (tmp_path / "data" / "logs" / "heritage_desk.log").read_text(encoding="utf-8")
    assert "opened" in log and "screenshot" in log


def test_a_second_window_on_the_same_catalogue_exits_with_one_line(
    tmp_path: Path, collection: Collection, qapp: object
) -> None:
    from heritage_desk.app.bootstrap import acquire_lock

    cat = _catalogue(tmp_path, collection)
    lock = acquire_lock(cat)  # this process plays the first window
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "heritage_desk", "gui", str(cat), "--screenshot",
             str(tmp_path / "x.png")],
            env=_env(tmp_path, collection), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        assert lock is not None
        lock.unlock()
    assert proc.returncode == 1
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("heritage-desk: error:")]
    assert len(errors) == 1 and "already open in another heritage_desk window" in errors[0]
    assert not (tmp_path / "x.png").exists()
