"""Import throughput on the WikiArt folder; opening a 100,000-asset catalogue and one page."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.big_catalogue import build_big_catalogue
from benchmarks.common import DATASETS, Result
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection

WIKIART = DATASETS / "wikiart"
COMMAND = "python -m benchmarks.run bench_import"
BIG = int(os.environ.get("HERITAGE_BENCH_ASSETS", "100000"))
PAGE = 100
#: Limits how many WikiArt images are imported (0 = all 13,768), for quick runs.
LIMIT = int(os.environ.get("HERITAGE_BENCH_IMPORT_LIMIT", "0"))


def bench_wikiart_import(tmp: Path) -> list[Result]:
    """Images per second importing WikiArt (images + labels.csv) into a new SQLite catalogue."""
    source = WIKIART
    if LIMIT:
        source = _first_images(tmp / "slice", LIMIT)
    with Catalogue.open(tmp / "import.sqlite") as cat:
        t0, c0 = time.perf_counter(), time.process_time()
        report = import_collection(cat, source, source / "labels.csv")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        again = import_collection(cat, source, source / "labels.csv")
        reimport = time.perf_counter() - t0
    rate = report.files / seconds
    note = (
        f"{report.added} added, {report.skipped_duplicates} duplicates skipped, "
        f"{len(report.problems)} problems in {seconds:.1f} s wall, {cpu:.1f} s CPU "
        f"({report.files / cpu:.0f} img/s per CPU second); "
        f"re-import (nothing new, {again.unchanged} unchanged) {report.files / reimport:.0f} img/s"
    )
    return [
        Result("import throughput (WikiArt, SQLite)", rate, "images/s", ">= 100 images/s",
               rate >= 100, COMMAND, note),
    ]  # fmt: skip


def _first_images(dst: Path, n: int) -> Path:
    """A copy of the first n WikiArt images and their labels (a symlink would be refused)."""
    lines = (WIKIART / "labels.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    for line in lines[1 : n + 1]:
        rel = line.split(",", 1)[0]
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(WIKIART / rel, dst / rel)
    (dst / "labels.csv").write_text("".join(lines[: n + 1]), encoding="utf-8")
    return dst


def bench_big_catalogue(tmp: Path) -> list[Result]:
    """Milliseconds to open a 100k-asset catalogue and read its first page (and a sorted one)."""
    path = tmp / "big.sqlite"
    build_big_catalogue(path, BIG)
    open_page, sorted_page = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        cat = Catalogue.open(path, create=False)
        page = cat.query_assets(AssetQuery(limit=PAGE))
        total = cat.count_assets()
        open_page.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        titled = cat.query_assets(AssetQuery(sort=Sort.TITLE, offset=BIG // 2, limit=PAGE))
        sorted_page.append((time.perf_counter() - t0) * 1000)
        cat.close()
        assert len(page) == PAGE and len(titled) == PAGE and total == BIG
    ms, sort_ms = statistics.median(open_page), statistics.median(sorted_page)
    return [
        Result(f"open {BIG:,}-asset catalogue + first page of {PAGE}", ms, "ms", "< 1000 ms",
               ms < 1000, COMMAND, "SQLite; median of 5; includes count of all assets"),
        Result(f"page of {PAGE} sorted by title, mid-catalogue ({BIG:,} assets)", sort_ms, "ms",
               "< 1000 ms", sort_ms < 1000, COMMAND, "SQLite; median of 5"),
    ]  # fmt: skip


def run() -> list[Result]:
    """Both figures, in a temporary folder."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="heritage-bench-") as tmp:
        if (WIKIART / "labels.csv").exists():
            results += bench_wikiart_import(Path(tmp))
        results += bench_big_catalogue(Path(tmp))
    return results
