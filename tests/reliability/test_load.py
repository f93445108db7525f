"""Load (slow): the 100,000-asset / 1,000,000-decision catalogue answers correctly, and memory
stays bounded while importing 10,000 images. Timings are printed and recorded by
benchmarks/bench_load.py, never asserted here.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from benchmarks import bench_load
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage.catalogue import Catalogue
from tests.reliability.helpers import ROOT, child_env

pytestmark = pytest.mark.slow


def test_big_catalogue_filters_histories_and_exports_correctly(tmp_path: Path) -> None:
    path, _ = bench_load.catalogue()
    timings = bench_load.measure(path, export_repeats=1)
    for name, (ms, _) in timings.items():
        print(f"{name}: {ms:.1f} ms")
    assets, decisions = bench_load.ASSETS, bench_load.DECISIONS
    missing = timings["filter missing artist: count"][1]
    assert missing == sum(1 for i in range(1, assets + 1) if i % 10 >= 7)
    heavy = timings[f"history of the busiest asset ({bench_load.HEAVY:,} decisions)"][1]
    assert len(heavy) == bench_load.HEAVY  # type: ignore[arg-type]
    assert [d.id for d in heavy] == sorted(d.id for d in heavy)  # type: ignore[attr-defined]
    with Catalogue.open(path, create=False) as cat:
        assert cat.count_assets() == assets
        assert cat.integrity_check() == []
        assert len(cat.last_decisions(50)) == 50
        page = cat.query_assets(AssetQuery(missing_artist=True, offset=assets // 4, limit=100))
        assert len(page) == 100 and all(a.value is not None for a in page)
        from heritage_desk.storage.exporter import export_csv

        out = tmp_path / "all.csv"
        report = export_csv(cat, out)
    assert report.rows == assets
    with out.open(newline="", encoding="utf-8") as fh:
        assert sum(1 for _ in csv.reader(fh)) == assets + 1
    assert decisions >= 1  # the generator's count, for the record


IMPORT = """
import sys, threading, time
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
def rss():
    for ln in open("/proc/self/status"):
        if ln.startswith("VmRSS"):
            return int(ln.split()[1])
samples = []
def sample():
    while True:
        samples.append(rss()); time.sleep(0.05)
threading.Thread(target=sample, daemon=True).start()
with Catalogue.open(sys.argv[1]) as cat:
    r = import_collection(cat, sys.argv[2])
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0].split()[1]
print("ADDED", r.added, "PROBLEMS", len(r.problems), "HWM_KB", hwm, "LAST_KB", samples[-1])
"""


def _images(folder: Path, n: int, start: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        img = Image.new("RGB", (48, 32), (i % 251, (i // 251) % 251, 90))
        img.putpixel((0, 0), (i % 256, (i // 256) % 256, (i // 65536) % 256))
        sub = folder / f"{i // 1000:02d}"
        sub.mkdir(exist_ok=True)
        img.save(sub / f"{i:05d}.png")


def _import(tmp: Path, images: Path, name: str) -> tuple[int, int]:
    res = subprocess.run(
        [sys.executable, "-c", IMPORT, str(tmp / f"{name}.sqlite"), str(images)],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    parts = res.stdout.split()
    return int(parts[1]), int(parts[parts.index("HWM_KB") + 1])


def test_memory_stays_bounded_importing_10000_images(tmp_path: Path) -> None:
    small, big = tmp_path / "small", tmp_path / "big"
    _images(small, 1_000)
    _images(big, 10_000)
    added_small, hwm_small = _import(tmp_path, small, "small")
    added_big, hwm_big = _import(tmp_path, big, "big")
    assert (added_small, added_big) == (1_000, 10_000)
    growth_mb = (hwm_big - hwm_small) / 1024
    print(
        f"peak RSS: 1,000 images {hwm_small / 1024:.0f} MB, 10,000 images {hwm_big / 1024:.0f} MB"
    )
    # Ten times the images may cost a little more bookkeeping (report, checksums seen), not
    # ten times the memory: 9,000 more images get at most 60 MB, i.e. under 7 KB each.
    assert growth_mb < 60, f"peak RSS grew {growth_mb:.0f} MB from 1,000 to 10,000 images"
