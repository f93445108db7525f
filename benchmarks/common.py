"""Shared helpers for benchmarks: results rows, medians over repeats."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@dataclass
class Result:
    """One figure: its value, unit, goal (text) and whether it meets it."""

    name: str
    value: float
    unit: str
    goal: str
    met: bool | None
    command: str
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def median_seconds(fn: Callable[[], object], repeats: int = 5) -> float:
    """The median wall time of `fn` over `repeats` runs."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of `values`, nearest-rank."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]
