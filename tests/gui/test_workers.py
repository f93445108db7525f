"""The workers on their own: the catalogue executor, progress bridging, thumbnail loading."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from heritage_desk.core.model import Changes
from heritage_desk.core.progress import Progress
from heritage_desk.services.thumbnails import ThumbnailCache, ThumbnailError, render
from heritage_desk.workers.ops import DbExecutor, Op
from heritage_desk.workers.progress import JobProgress
from heritage_desk.workers.thumbnails import ThumbnailLoader

pytestmark = pytest.mark.gui


class Recorder:
    """The 'services' of these executor tests: records which thread ran each call.

    A test double on purpose: these tests are about ordering and delivery, not the catalogue
    (the session test drives the real catalogue through the same executor).
    """

    def __init__(self) -> None:
        self.threads: list[str] = []

    def work(self, n: int) -> int:
        self.threads.append(threading.current_thread().name)
        return n * 2


@pytest.fixture
def executor(qapp: Any) -> Any:
    ex = DbExecutor(Recorder())
    yield ex
    ex.shutdown()


def test_ops_run_in_order_off_the_gui_thread(executor: DbExecutor, qtbot: Any) -> None:
    got: list[int] = []
    for i in range(5):
        Op(lambda s, i=i: s.work(i)).success(got.append).run()
    qtbot.waitUntil(lambda: len(got) == 5)
    assert got == [0, 2, 4, 6, 8]
    assert set(executor.desk.threads) == {"db-executor"}


def test_failure_goes_to_the_failure_callback_or_the_error_signal(
    executor: DbExecutor, qtbot: Any
) -> None:
    errors: list[Exception] = []
    Op(lambda s: 1 / 0).failure(errors.append).run()
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ZeroDivisionError)
    with qtbot.waitSignal(executor.error) as sig:
        Op(lambda s: [][1]).run()
    assert "index" in sig.args[0]


def test_changes_are_broadcast_with_their_initiator(executor: DbExecutor, qtbot: Any) -> None:
    ch = Changes(fields=True, asset_ids=frozenset({7}))
    with qtbot.waitSignal(executor.changes) as sig:
        Op(lambda s: ch, initiator="me").run()
    assert sig.args == [ch, "me"]


def test_a_newer_op_with_the_same_key_supersedes_a_pending_one(
    executor: DbExecutor, qtbot: Any
) -> None:
    gate = threading.Event()
    got: list[str] = []
    Op(lambda s: gate.wait(5)).run()  # holds the executor so the next two queue up
    Op(lambda s: "old", key="k").success(got.append).run()
    Op(lambda s: "new", key="k").success(got.append).run()
    gate.set()
    qtbot.waitUntil(lambda: executor.pending() == 0)
    assert got == ["new"]


def test_job_progress_throttles_but_always_delivers_the_last(qapp: Any, qtbot: Any) -> None:
    job = JobProgress(min_interval=10.0)
    seen: list[Progress] = []
    job.progressed.connect(seen.append)
    t = threading.Thread(target=lambda: [job.report(Progress(i, 100)) for i in range(1, 101)])
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].done == 100)
    assert len(seen) <= 3
    job.cancel()
    assert job.token.cancelled


def test_thumbnail_cache_makes_small_upright_jpegs_once(tmp_path: Path, aic_demo_dir: Path) -> None:
    src = next((aic_demo_dir / "images").glob("*.jpg"))
    cache = ThumbnailCache(tmp_path)
    out = cache.get(src, "abc123", 128)
    with Image.open(out) as im:
        assert max(im.size) <= 128 and im.format == "JPEG"
    mtime = out.stat().st_mtime_ns
    assert cache.get(src, "abc123", 128).stat().st_mtime_ns == mtime  # cached, not remade
    # EXIF orientation 6 (rotate 90): a landscape file becomes a portrait thumbnail.
    rotated = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (400, 200), "red").save(rotated, exif=exif)
    w, h = render(rotated, 100).size
    assert h > w


def test_thumbnail_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "truncated.jpg"
    Image.new("RGB", (300, 300), "blue").save(bad)
    bad.write_bytes(bad.read_bytes()[:200])
    with pytest.raises(ThumbnailError, match=r"truncated\.jpg"):
        render(bad, 64)
    with pytest.raises(ThumbnailError, match="not found"):
        render(tmp_path / "missing.jpg", 64)


def test_loader_decodes_in_the_background_and_reports_failures(
    qapp: Any, qtbot: Any, tmp_path: Path, aic_demo_dir: Path
) -> None:
    cache = ThumbnailCache(tmp_path / "cache")
    threads: set[str] = set()

    def load(path: str, checksum: str | None, size: int) -> bytes:
        threads.add(threading.current_thread().name)
        return cache.get_bytes(path, checksum, size)

    loader = ThumbnailLoader(load, threads=2, capacity=3)
    try:
        files = sorted((aic_demo_dir / "images").glob("*.jpg"))[:5]
        for f in files:
            assert loader.pixmap(str(f), None, 96) is None  # not yet: scheduled
        qtbot.waitUntil(lambda: loader.pending_count() == 0)
        hits = [loader.pixmap(str(f), None, 96) for f in files]
        assert sum(pm is not None for pm in hits) == 3  # the LRU keeps 3
        assert all(pm.width() <= 96 for pm in hits if pm is not None)
        assert threads and not threads & {"MainThread"}
        with qtbot.waitSignal(loader.failed) as sig:
            loader.pixmap(str(tmp_path / "nope.jpg"), None, 96)
        assert "not found" in sig.args[1]
        assert loader.error(str(tmp_path / "nope.jpg"), None, 96)
    finally:
        loader.shutdown()


def test_a_closed_initiator_gets_no_callback_but_views_still_hear(
    executor: DbExecutor, qtbot: Any
) -> None:
    import shiboken6
    from PySide6.QtCore import QObject

    owner = QObject()
    gate = threading.Event()
    called: list[object] = []
    ch = Changes(assets=True)
    Op(lambda s: gate.wait(5) and ch, initiator=owner).success(called.append).run()
    shiboken6.delete(owner)  # the dialog that asked was closed meanwhile
    with qtbot.waitSignal(executor.changes) as sig:
        gate.set()
    assert sig.args == [ch, None] and called == []
