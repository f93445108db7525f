"""Suggestion engine on this CPU: embedding throughput, head training, suggestion latency."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from benchmarks.common import DATASETS, Result, percentile
from heritage_desk.ml import Embedder, Example, Predictor, TrainConfig, train_head
from heritage_desk.ml.backbones import backbone_spec
from heritage_desk.ml.runtime import default_num_threads

STARTER = Path(__file__).resolve().parents[1] / "resources" / "models" / "starter.safetensors"
CMD = "make bench  # benchmarks/bench_ml.py"


def _starter_backbone() -> str:
    if STARTER.exists():
        return Predictor.load(STARTER).backbone
    return "lite0"


def bench_embedding(backbone: str, n: int = 32) -> Result:
    """Images/s through the frozen backbone (decode + transform + forward, no cache)."""
    files = sorted((DATASETS / "wikiart" / "images").rglob("*.jpg"))[:n]
    note = f"{backbone}, {default_num_threads()} thread(s), {n} WikiArt 224px images"
    if not files:
        from PIL import Image

        tmp = Path("/tmp/heritage_bench_img")
        tmp.mkdir(exist_ok=True)
        rng = np.random.default_rng(0)
        files = []
        for i in range(n):
            p = tmp / f"{i}.png"
            Image.fromarray((rng.random((224, 224, 3)) * 255).astype(np.uint8)).save(p)
            files.append(p)
        note = f"{backbone}, generated images (WikiArt not found)"
    emb = Embedder(backbone, batch_size=16)
    emb.embed_files(files[:4])  # load weights, warm up
    t0 = time.perf_counter()
    emb.embed_files(files)
    rate = len(files) / (time.perf_counter() - t0)
    return Result("embedding throughput", rate, "images/s", "report", None, CMD, note)


def synthetic(n: int, dim: int, k: int = 66) -> tuple[list[Example], np.ndarray]:
    """n cached-embedding stand-ins for k artists, half with years, styles and genres known."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, k, n)
    x = (rng.normal(size=(k, dim))[y] * 0.5 + rng.normal(size=(n, dim))).astype(np.float32)
    ex = [
        Example(
            f"{i}.jpg",
            f"artist {y[i]}",
            1500 + 7 * int(y[i]) + i % 40 if i % 2 else None,
            genre=f"g{i % 10}",
            style=f"s{y[i] % 11}",
            title=f"work {i} x",
        )
        for i in range(n)
    ]
    return ex, x


def run() -> list[Result]:
    backbone = _starter_backbone()
    dim = backbone_spec(backbone).feature_dim
    out = [bench_embedding(backbone)]
    ex, x = synthetic(10_000, dim)
    t0 = time.perf_counter()
    tm = train_head(ex, x, TrainConfig())
    secs = time.perf_counter() - t0
    out.append(
        Result(
            "head training, 10,000 cached embeddings",
            secs,
            "s",
            "<= 10",
            secs <= 10,
            CMD,
            f"{dim}-d {backbone} features, default TrainConfig incl. calibration",
        )
    )
    pred = Predictor.load(STARTER) if STARTER.exists() else Predictor(tm)
    q = x[:, :dim] if pred.trained.model.config.feature_dim == dim else x
    lat = []
    for i in range(300):
        t1 = time.perf_counter()
        pred.predict(q[i], {"genre": None, "style": None, "medium": "Oil on canvas"})
        lat.append((time.perf_counter() - t1) * 1000)
    p95 = percentile(lat[20:], 95)
    out.append(
        Result(
            "suggestion latency p95, one asset, cached embedding",
            p95,
            "ms",
            "<= 20",
            p95 <= 20,
            CMD,
            "starter model" if STARTER.exists() else "fresh model",
        )
    )
    return out
