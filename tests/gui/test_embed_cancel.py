"""The whole-collection embed in the window: progress with time left, and Cancel (issue 14).

A real window on the real test catalogue with the real tiny lite0 model of the fixture, and an
empty embedding cache of its own, so every asset has to be embedded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from heritage_desk import config
from tests.gui.conftest import Collection
from tests.gui.test_review_session import WAIT

pytestmark = pytest.mark.gui


@pytest.fixture
def desk(
    collection: Collection,
    catalogue_copy: Path,
    tmp_path: Path,
    qtbot: Any,
    isolated_settings: None,
) -> Iterator[Any]:
    from heritage_desk.app import DeskApp
    from heritage_desk.gui.settings import AppSettings

    settings = AppSettings()
    settings.reviewer = "tester"
    settings.torch_threads = 1
    app: Any = DeskApp(
        catalogue_copy,
        config.paths(tmp_path / "data"),
        images_root=collection.images,
        settings=settings,
        suggestion_options={"starter": collection.starter, "cache_dir": tmp_path / "cache"},
    )
    assert app.inference is not None
    app.inference.batch = 2  # 14 assets: seven batches, so there is something to cancel
    app.window.show()
    qtbot.waitExposed(app.window)
    yield app
    app.close()


def _embedded(tmp_path: Path) -> int:
    return len(list((tmp_path / "cache").rglob("*.npy")))


def test_the_window_embed_shows_time_left_and_can_be_cancelled(
    desk: Any, tmp_path: Path, qtbot: Any
) -> None:
    w = desk.window
    formats: list[str] = []
    desk.inference.progressed.connect(lambda p: formats.append(w.job_bar.format()))
    desk.start()
    qtbot.waitUntil(lambda: desk.background_started, timeout=WAIT)
    qtbot.waitUntil(lambda: any(f.endswith(" left") for f in formats), timeout=WAIT)
    assert w.job_cancel.isVisible()  # "%v/%m, 12 s left" on the bar, then Cancel
    qtbot.mouseClick(w.job_cancel, Qt.MouseButton.LeftButton)
    assert not w.job_bar.isVisible() and not w.job_cancel.isVisible()
    assert desk.inference.backlog_left() == 0
    qtbot.waitUntil(lambda: not desk.inference.is_busy(), timeout=WAIT)  # the batch in flight
    after = _embedded(tmp_path)
    qtbot.wait(1500)
    assert _embedded(tmp_path) == after < 14  # nothing more embedded after the cancel
    assert not desk.inference.is_busy()
