"""A collection from nothing to first suggestions, and the memory of a batch of museum scans.

End to end through the app's own CLI in child processes, as a curator runs it: `import` of N
WikiArt paintings (no metadata: every artist and date unknown), then `suggest` (embed every
image with the fast path, then suggestions for all). Times are linear in N (batches of fixed
size, pages of fixed size), so the 100,000-image figure is N's times scaled; peak memory is
measured, and does not grow with N (one batch of images and one page of assets at a time).
HERITAGE_E2E_IMAGES sets N (default 1,000).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_ml import _museum_jpegs
from benchmarks.common import DATASETS, Result

CMD = "python -m benchmarks.run bench_ml_e2e  # HERITAGE_E2E_IMAGES=N"
TARGET = 100_000

_PEAK = """
import sys
from heritage_desk.ml.embeddings import Embedder
emb = Embedder("lite0-ms", batch_size=16, num_threads=1, fast=sys.argv[1] == "fast")
emb.embed_files(sys.argv[2:3])  # the model loaded and run once: the baseline
base = [ln for ln in open("/proc/self/status") if ln.startswith("VmRSS")][0].split()[1]
emb.embed_files(sys.argv[3:])
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0].split()[1]
print(int(base) // 1024, int(hwm) // 1024)
"""


def _cli(*args: str, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "heritage_desk", *args], env=env, check=True,
                   capture_output=True, text=True)  # fmt: skip
    return time.perf_counter() - t0


def bench_end_to_end(n: int) -> list[Result]:
    """import + embed + first suggestions of n paintings, scaled to 100,000."""
    files = sorted((DATASETS / "wikiart" / "images").rglob("*.jpg"))[:n]
    if not files:
        return []
    work = Path(tempfile.mkdtemp(prefix="heritage_e2e_"))
    try:
        images = work / "images"
        images.mkdir()
        for i, f in enumerate(files):
            shutil.copyfile(f, images / f"{i:06d}.jpg")
        env = dict(os.environ, HERITAGE_DESK_DATA_DIR=str(work / "data"))
        cat = str(work / "c.sqlite")
        t_import = _cli("import", cat, "--images", str(images), env=env)
        t_suggest = _cli("suggest", cat, "--images", str(images), env=env)  # every core
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    finally:
        shutil.rmtree(work, ignore_errors=True)
    scale = TARGET / len(files)
    total = (t_import + t_suggest) * scale
    note = (
        f"measured on {len(files):,} WikiArt images: import {t_import:.1f} s, embed + first "
        f"suggestions {t_suggest:.1f} s (incl. ~10 s of start-up: model load, graph export), "
        f"scaled x{scale:.0f}; peak RSS of any child {peak} MB; shared 2-core machine"
    )
    return [
        Result("100,000 images: import + embed + first suggestions (extrapolated)", total / 60,
               "min", "report", None, CMD, note),
        Result("end-to-end peak memory (largest child process)", peak, "MB", "report", None,
               CMD, note),
    ]  # fmt: skip


def bench_batch_memory() -> list[Result]:
    """Peak RSS over the loaded model while embedding 16 museum scans, both paths (budget)."""
    files = [str(p) for p in _museum_jpegs()]
    if len(files) < 2:
        return []
    out = []
    for path in ("today", "fast"):
        proc = subprocess.run([sys.executable, "-c", _PEAK, path, files[0], *files],
                              capture_output=True, text=True, check=True)  # fmt: skip
        base, hwm = map(int, proc.stdout.split())
        over = hwm - base
        out.append(
            Result(f"peak memory over the loaded model, 16 museum JPEGs (4,000 px), {path}'s path",
                   over, "MB", "<= 600", over <= 600, CMD,
                   f"lite0-ms, batch 16; process peak {hwm} MB of which {base} MB is the loaded "
                   "model and torch (import torch alone ~670 MB here: a CUDA build)")
        )  # fmt: skip
    return out


def run() -> list[Result]:
    # End to end first: its peak is read from RUSAGE_CHILDREN, which the memory children would
    # otherwise set (today's path peaks at ~2 GB there).
    e2e = bench_end_to_end(int(os.environ.get("HERITAGE_E2E_IMAGES", 1000)))
    return e2e + bench_batch_memory()
