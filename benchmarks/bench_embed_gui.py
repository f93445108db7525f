"""The window embedding a new collection: images/s of its background pass, and event-loop stalls.

A fresh catalogue of image files only (no embeddings cached, nothing suggested) opens in the
real window with the starter model; the window's start-up pass embeds every image and
suggests, on the inference thread, while a 5 ms timer measures how late the event loop runs.
Two collections: WikiArt's 224-px files and the demo's paintings upscaled to 4,000 px
(benchmarks.bench_ml's museum JPEGs). Decode included; the starter's ONNX export is made (and
kept in the run's data folder) before the clock starts.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.bench_gui import _wait
from benchmarks.common import DATASETS, Result, percentile
from benchmarks.qt_stalls import StallMeter

COMMAND = "python -m benchmarks.run bench_embed_gui"


def embed_in_window(files: list[Path]) -> tuple[float, list[float]]:
    """(images/s of the window's start-up pass, event-loop lateness per 5 ms tick)."""
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    from heritage_desk import config
    from heritage_desk.app import DeskApp
    from heritage_desk.gui.settings import AppSettings
    from heritage_desk.storage.catalogue import Catalogue
    from heritage_desk.storage.importer import import_collection

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="heritage-bench-embed-gui-") as tmp:
        QCoreApplication.setOrganizationName("heritage_desk_bench")
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        images = Path(tmp) / "images"
        images.mkdir()
        for f in files:
            shutil.copyfile(f, images / f"{f.parent.name}_{f.name}")
        path = Path(tmp) / "bench.sqlite"
        with Catalogue.open(path) as cat:
            import_collection(cat, images)
        data = config.paths(Path(tmp) / "data")
        _export_onnx(data.embeddings)
        settings = AppSettings()
        settings.reviewer = "bench"
        desk = DeskApp(path, data, settings=settings)
        w = desk.window
        w.resize(1280, 820)
        w.show()
        meter = StallMeter()
        t0 = time.perf_counter()
        meter.start()
        desk.start()
        _wait(app, desk.background_done, 1800)
        took = time.perf_counter() - t0
        meter.stop()
        desk.close()
    return len(files) / took, meter.lateness


def _export_onnx(embeddings: Path) -> None:
    """The starter backbone's ONNX export, made once into the data folder the window uses."""
    from benchmarks.bench_ml import STARTER
    from heritage_desk.ml import Embedder, Predictor
    from heritage_desk.ml.embeddings import EmbeddingCache

    Embedder(Predictor.load(STARTER).backbone, cache=EmbeddingCache(embeddings)).forward()


def run() -> list[Result]:
    from benchmarks.bench_ml import _museum_jpegs

    sets = [
        ("WikiArt 224-px files", sorted((DATASETS / "wikiart" / "images").rglob("*.jpg"))[:320]),
        ("4,000-px museum JPEGs", _museum_jpegs(128)),
    ]
    out = []
    for label, files in sets:
        if not files:
            continue
        rate, lateness = embed_in_window(files)
        p99 = percentile(lateness, 99)
        note = (
            f"{len(files)} {label}, fresh catalogue, starter model, offscreen, 2-core VM; "
            f"worst stall {max(lateness):.0f} ms over {len(lateness)} ticks"
        )
        out += [
            Result(f"window start-up pass (embed + suggest), {label}", rate, "images/s",
                   "report", None, COMMAND, note),
            Result(f"event-loop stall p99 while embedding, {label}", p99, "ms", "<= 50 ms",
                   p99 <= 50, COMMAND, note),
        ]  # fmt: skip
    return out


if __name__ == "__main__":
    for r in run():
        print(f"{r.name}: {r.value:.4g} {r.unit} (goal {r.goal}) {r.note}")
