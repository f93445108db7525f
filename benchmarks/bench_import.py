"""Import throughput on the WikiArt folder; opening a 100,000-asset catalogue and one page."""

from __future__ import annotations

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
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


#: Records in the metadata-format benchmark (a museum export of 100,000 objects).
RECORDS = int(os.environ.get("HERITAGE_BENCH_RECORDS", "100000"))
_HEADER = ["Image", "Object Number", "Artist Display Name", "Artist Display Bio",
           "Artist Begin Date", "Artist End Date", "Object Date", "Title", "Medium",
           "Credit Line"]  # fmt: skip
#: Measured in a fresh child so its peak memory is the reader's, not this process's history.
_CHILD = """
import json, resource, sys, time
from heritage_desk.storage.csv_input import read_metadata
import python_calamine  # loaded before the baseline: the reader's memory is what is left
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
table = read_metadata(sys.argv[1])
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": len(table.rows), "seconds": seconds, "peak_mb": peak / 1024,
                  "added_mb": (peak - base) / 1024, "unused": table.columns[-1]}))
"""


def _records(n: int) -> list[list[object]]:
    """n Met-style records, as a TMS export would hold them (years typed as numbers)."""
    rows: list[list[object]] = [_HEADER]
    for i in range(n):
        born = 1500 + i % 400
        rows.append([f"img/{i:06d}.jpg", f"{1900 + i % 120}.{i}", f"Painter {i % 5000}",
                     f"Dutch, {born}–{born + 60}", born, born + 60, f"c. {born + 30}",
                     f"Work number {i}", "Oil on canvas", "Gift of a friend"])  # fmt: skip
    return rows


def _write_formats(tmp: Path, n: int) -> dict[str, Path]:
    """The same records as CSV and as .xlsx (openpyxl write-only)."""
    import openpyxl

    rows = _records(n)
    paths = {"CSV": tmp / "records.csv", ".xlsx": tmp / "records.xlsx"}
    with paths["CSV"].open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for r in rows:
        sheet.append(r)
    book.save(paths[".xlsx"])
    return paths


def _measure(path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def bench_metadata_formats(tmp: Path) -> list[Result]:
    """Reading RECORDS metadata records from CSV and from .xlsx: time and peak memory."""
    paths = _write_formats(tmp, RECORDS)
    results = []
    for kind, path in paths.items():
        runs = [_measure(path) for _ in range(3)]
        assert all(r["rows"] == RECORDS for r in runs), runs
        seconds = statistics.median(r["seconds"] for r in runs)
        added = statistics.median(r["added_mb"] for r in runs)
        peak = statistics.median(r["peak_mb"] for r in runs)
        size = path.stat().st_size / 2**20
        note = (f"{RECORDS:,} Met-style records, {size:.1f} MB file; median of 3 fresh "
                f"processes; peak RSS {peak:.0f} MB, {added:.0f} MB of it for reading")  # fmt: skip
        results += [
            Result(f"read {RECORDS:,} metadata records from {kind}", seconds, "s", "report",
                   None, COMMAND, note),
            Result(f"peak memory reading {RECORDS:,} records from {kind}", added, "MB",
                   "report", None, COMMAND, note),
        ]  # fmt: skip
    return results


def run() -> list[Result]:
    """Every figure, in a temporary folder."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="heritage-bench-") as tmp:
        results += bench_metadata_formats(Path(tmp))
        if (WIKIART / "labels.csv").exists():
            results += bench_wikiart_import(Path(tmp))
        results += bench_big_catalogue(Path(tmp))
    return results
