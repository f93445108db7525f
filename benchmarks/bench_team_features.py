"""Where a team's image features live: a per-machine cache vs a table in the shared catalogue.

For N images (default 100,000) of the app's default backbone (lite0-ms, 2,768 float16 values
each), both ways, measured here:
- per machine: the app's EmbeddingCache (one .npy per image), written then read back whole;
  its size on disk (du: blocks, not bytes);
- in the catalogue: a PostgreSQL table (checksum, vector bytea) like the one a shared
  feature store would use, inserted in batches of 1,000 then read back whole; its size
  (pg_total_relation_size).
The third cost, embedding itself, is `bench_ml`'s throughput (each machine pays it once per
image with the per-machine cache; one machine pays it with the shared table).
Needs HERITAGE_TEST_PG_URL (skipped without); HERITAGE_BENCH_FEATURES sets N.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

from benchmarks.common import Result

COMMAND = "python -m benchmarks.run bench_team_features"
BACKBONE = "lite0-ms"


def _du_bytes(folder: Path) -> int:
    out = subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) * 1024


def _vectors(n: int, dim: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    checks = [f"{i:064x}" for i in range(n)]
    return checks, rng.normal(size=(n, dim)).astype(np.float16)


def _local(checks: list[str], vecs: np.ndarray) -> tuple[float, float, int]:
    from heritage_desk.ml.embeddings import EmbeddingCache

    root = Path(tempfile.mkdtemp(prefix="bench-features-"))
    try:
        cache = EmbeddingCache(root)
        t0 = time.perf_counter()
        for c, v in zip(checks, vecs, strict=True):
            cache.put(c, BACKBONE, "full", v)
        write = time.perf_counter() - t0
        t0 = time.perf_counter()
        _, found = cache.get_many(checks, BACKBONE, ("full",))
        read = time.perf_counter() - t0
        assert found.all()
        return write, read, _du_bytes(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _shared(url: str, checks: list[str], vecs: np.ndarray) -> tuple[float, float, int]:
    import sqlalchemy as sa

    name = f"heritage_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    eng = sa.create_engine(sa.make_url(url).set(database=name))
    try:
        with eng.begin() as conn:
            conn.execute(sa.text("CREATE TABLE features (checksum varchar(64) PRIMARY KEY, "
                                 "backbone varchar(40), vector bytea)"))  # fmt: skip
        ins = sa.text("INSERT INTO features VALUES (:c, :b, :v)")
        t0 = time.perf_counter()
        for start in range(0, len(checks), 1000):
            rows = [
                {"c": c, "b": BACKBONE, "v": v.tobytes()}
                for c, v in zip(checks[start : start + 1000], vecs[start : start + 1000],
                                strict=True)
            ]  # fmt: skip
            with eng.begin() as conn:
                conn.execute(ins, rows)
        write = time.perf_counter() - t0
        t0 = time.perf_counter()
        with eng.connect() as conn:
            n = 0
            res = conn.execution_options(stream_results=True, yield_per=5000).execute(
                sa.text("SELECT checksum, vector FROM features")
            )
            for _c, v in res:
                np.frombuffer(v, dtype=np.float16)
                n += 1
        read = time.perf_counter() - t0
        assert n == len(checks)
        with eng.connect() as conn:
            size = int(conn.scalar(sa.text("SELECT pg_total_relation_size('features')")) or 0)
        return write, read, size
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def run() -> list[Result]:
    url = os.environ.get("HERITAGE_TEST_PG_URL")
    if not url:
        print("   skipped: no HERITAGE_TEST_PG_URL")
        return []
    from heritage_desk.ml.backbones import backbone_spec

    n = int(os.environ.get("HERITAGE_BENCH_FEATURES", "100000"))
    checks, vecs = _vectors(n, backbone_spec(BACKBONE).feature_dim)
    lw, lr, ls = _local(checks, vecs)
    sw, sr, ss = _shared(url, checks, vecs)
    k = f"{n:,} images"
    mb = 1 << 20
    return [
        Result(f"features per machine ({k}): size on disk", ls / mb, "MiB", "report", None,
               COMMAND),
        Result(f"features per machine ({k}): write", lw, "s", "report", None, COMMAND),
        Result(f"features per machine ({k}): read all", lr, "s", "report", None, COMMAND),
        Result(f"features in the catalogue ({k}): table size", ss / mb, "MiB", "report", None,
               COMMAND),
        Result(f"features in the catalogue ({k}): insert", sw, "s", "report", None, COMMAND),
        Result(f"features in the catalogue ({k}): read all", sr, "s", "report", None, COMMAND),
    ]  # fmt: skip
