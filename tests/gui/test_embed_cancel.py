"""The whole-collection embed in the window: progress with time left, and Cancel (issue 14).

A real window on the real test catalogue with the real tiny lite0 model of the fixture, and an
empty embedding cache of its own, so every asset has to be embedded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
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
    app.inference.batch = app.inference.backlog_batch = 2  # 14 assets: seven chunks to cancel
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


class GatedEngine:
    """The window's real engine, whose background chunks wait for the test before predicting.

    Not a mock: gather, predict (real embedding, real model) and store are the real engine's.
    The gate only fixes the moment an urgent request or a Cancel arrives: a timing a real
    embed of 14 small files cannot be relied on to leave open.
    """

    def __init__(self, real: Any) -> None:
        self.real = real
        self.gate = threading.Event()
        self.chunk_started = threading.Event()
        self.calls: list[list[int]] = []  # the assets of each predict, in order
        self.chunk: list[int] = []

    def gather(self, desk: Any, asset_ids: Sequence[int]) -> Any:
        return self.real.gather(desk, asset_ids)

    def predict(self, inputs: Any, cancel: Any) -> Any:
        if len(inputs.assets) > 1 and not self.gate.is_set():  # the first background chunk
            self.chunk = [a.id for a in inputs.assets]
            self.chunk_started.set()
            self.gate.wait(30)
        self.calls.append([a.id for a in inputs.assets])
        return self.real.predict(inputs, cancel)

    def store(self, desk: Any, outputs: Any) -> Any:
        return self.real.store(desk, outputs)


@pytest.fixture
def gated(desk: Any) -> GatedEngine:
    desk.inference.batch = 1
    desk.inference.backlog_batch = 14  # the whole start-up pass in one chunk
    engine = GatedEngine(desk.inference.engine)
    desk.inference.engine = engine
    return engine


def _chunk_waiting(desk: Any, gated: GatedEngine, qtbot: Any) -> None:
    """The start-up pass begun, its chunk held at the gate (the window's own requests done)."""
    desk.start()
    qtbot.waitUntil(gated.chunk_started.is_set, timeout=WAIT)


def test_an_urgent_request_goes_before_the_rest_of_a_background_chunk(
    desk: Any, gated: GatedEngine, tmp_path: Path, qtbot: Any
) -> None:
    _chunk_waiting(desk, gated, qtbot)
    urgent = gated.chunk[-1]
    desk.inference.request([urgent])  # the curator opens an asset while the chunk is in flight
    gated.gate.set()
    qtbot.waitUntil(desk.background_done, timeout=WAIT)
    # The chunk was cut short, the urgent asset ran, then the rest of the chunk (without it:
    # it is done). The window's own request for the asset on screen may come before, and the
    # pass's second look at a new catalogue's first assets after (Desk.needing_suggestions).
    rest = [i for i in gated.chunk if i != urgent]
    after = gated.calls[gated.calls.index(gated.chunk) :]
    assert after[:2] == [gated.chunk, [urgent]] and after[2][: len(rest)] == rest, after
    assert _embedded(tmp_path) == 14  # the chunk's assets all embedded in the end


def test_cancel_stops_a_background_chunk_in_flight(
    desk: Any, gated: GatedEngine, tmp_path: Path, qtbot: Any
) -> None:
    _chunk_waiting(desk, gated, qtbot)
    before = _embedded(tmp_path)  # the assets the window asked for itself, before the chunk
    desk.window.cancel_background()
    gated.gate.set()
    qtbot.waitUntil(lambda: not desk.inference.is_busy(), timeout=WAIT)
    qtbot.wait(1000)
    assert _embedded(tmp_path) == before < 14  # the chunk stopped before its first batch
    assert desk.inference.backlog_left() == 0 and not desk.inference.is_busy()
