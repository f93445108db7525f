"""Event-loop stalls in the real window while a retrain runs in its child process.

The demo collection (135 paintings) is imported, the window opens with the starter model and
waits for the first suggestions, then a retrain starts from the model panel's supervisor; a
5 ms timer measures how late the event loop runs until the retrain has finished.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.common import Result, percentile
from benchmarks.qt_stalls import StallMeter

COMMAND = "python -m benchmarks.run bench_retrain_gui"


def run() -> list[Result]:
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from heritage_desk import config
    from heritage_desk.app import DeskApp
    from heritage_desk.gui.settings import AppSettings
    from heritage_desk.storage.catalogue import Catalogue
    from heritage_desk.storage.importer import import_collection

    app = QApplication.instance() or QApplication([])
    demo = config.resources_dir() / "demo"
    with tempfile.TemporaryDirectory(prefix="heritage-bench-retrain-gui-") as tmp:
        QCoreApplication.setOrganizationName("heritage_desk_bench")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        path = Path(tmp) / "demo.sqlite"
        with Catalogue.open(path) as cat:
            import_collection(cat, demo, demo / "metadata.csv")
        settings = AppSettings()
        settings.reviewer = "bench"
        desk = DeskApp(path, config.paths(Path(tmp) / "data"), settings=settings)
        w = desk.window
        w.resize(1280, 820)
        w.show()

        def wait(cond: object, timeout: float) -> None:
            t0 = time.perf_counter()
            while not cond():  # type: ignore[operator]
                app.processEvents()
                if time.perf_counter() - t0 > timeout:
                    raise TimeoutError("benchmark condition not met")
                time.sleep(0.001)

        w.collection.filters.missing_artist.setChecked(True)  # an item with work to do
        wait(lambda: w.review.detail is not None and bool(w.review.detail.suggestions), 300)
        ended: list[object] = []
        desk.retrain.finished.connect(ended.append)
        desk.retrain.failed.connect(ended.append)
        meter = StallMeter()
        t0 = time.perf_counter()
        if not desk.retrain.start():
            raise RuntimeError("the retrain did not start")
        meter.start()
        wait(lambda: bool(ended), 900)
        meter.stop()
        lateness = meter.lateness
        took = time.perf_counter() - t0
        outcome = ended[0]
        desk.close()
    if isinstance(outcome, str):
        raise RuntimeError(f"retrain failed: {outcome}")
    p99 = percentile(lateness, 99)
    note = (
        f"demo collection (135 paintings), offscreen, 2-core VM; retrain took {took:.1f} s; "
        f"worst stall {max(lateness):.0f} ms over {len(lateness)} ticks"
    )
    return [Result("event-loop stall p99 during a retrain", p99, "ms", "<= 50 ms", p99 <= 50,
                   COMMAND, note)]  # fmt: skip


if __name__ == "__main__":
    for r in run():
        print(f"{r.name}: {r.value:.4g} {r.unit} (goal {r.goal}) {r.note}")
