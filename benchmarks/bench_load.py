"""A 100,000-asset catalogue with 1,000,000 decisions: filter, history, undo head, export.

The catalogue is generated with bulk SQL inserts (about a minute on 2 cores) into
.work/bench-load/ and reused while its schema revision and sizes match. Figures are medians.
HERITAGE_LOAD_ASSETS / HERITAGE_LOAD_DECISIONS shrink it for quick runs.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks.common import Result
from heritage_desk.core.query import AssetQuery, Sort

COMMAND = "python -m benchmarks.run bench_load"
ASSETS = int(os.environ.get("HERITAGE_LOAD_ASSETS", "100000"))
DECISIONS = int(os.environ.get("HERITAGE_LOAD_DECISIONS", "1000000"))
#: One asset gets this many decisions (a long-disputed attribution): the worst history.
HEAVY = 5_000
REVIEWERS = ("ana", "ben", "chloe", "dev")
ARTISTS = 2_000
CACHE = Path(__file__).resolve().parents[1] / ".work" / "bench-load"
NOW = "2026-06-01 12:00:00.000000"


def _state(value: str, provenance: str, reviewer: str | None) -> str:
    return json.dumps({
        "value": value, "year_from": None, "year_to": None, "provenance": provenance,
        "model_version": "m001" if provenance == "suggestion" else None,
        "probability": 0.8 if provenance == "suggestion" else None, "reviewer": reviewer,
        "confirmed": provenance != "imported", "decided_at": "2026-06-01T12:00:00+00:00",
    })  # fmt: skip


def build(path: Path, assets: int = ASSETS, decisions: int = DECISIONS) -> dict[str, int]:
    """Create the schema with the app, then fill it with plain executemany inserts."""
    from heritage_desk.storage.catalogue import Catalogue

    Catalogue.open(path).close()
    rng = random.Random(0)
    conn = sqlite3.connect(path, isolation_level=None)
    # A rollback journal for the bulk load (WAL would grow to the size of the data), then WAL.
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO artists (id, key, display_name) VALUES (?, ?, ?)",
        ((a, f"artist number {a}", f"Artist Number {a}") for a in range(1, ARTISTS + 1)),
    )
    conn.executemany(
        "INSERT INTO artist_aliases (artist_id, alias) VALUES (?, ?)",
        ((a, f"Artist Number {a}") for a in range(1, ARTISTS + 1)),
    )
    conn.executemany(
        "INSERT INTO assets (id, image_path, checksum, inventory_number, width, height, added_at)"
        " VALUES (?, ?, ?, ?, 800, 600, ?)",
        ((i, f"col/{i // 1000:03d}/{i:06d}.jpg", f"{i:064x}", f"INV-{i:06d}", NOW)
         for i in range(1, assets + 1)),
    )  # fmt: skip

    def fields() -> Iterator[tuple[object, ...]]:
        for i in range(1, assets + 1):
            yield (i, "title", f"Painting {i}", None, None, None, "imported", None, 0)
            if i % 10 < 7:
                a = 1 + i % ARTISTS
                prov = "curator" if i % 10 == 0 else "imported"
                yield (i, "artist", f"Artist Number {a}", None, None, a, prov, "ana", 1)
            if i % 10 < 6:
                y = 1500 + i % 450
                yield (i, "date", str(y), y, y, None, "imported", None, 0)
            if i % 2:
                yield (i, "genre", ("portrait", "landscape", "still life")[i % 3],
                       None, None, None, "imported", None, 0)  # fmt: skip

    conn.executemany(
        "INSERT INTO field_values (asset_id, field, value, year_from, year_to, artist_id,"
        " provenance, reviewer, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        fields(),
    )

    def suggestions() -> Iterator[tuple[object, ...]]:
        for i in range(1, assets + 1):
            if i % 10 >= 7:
                for r in range(1, 4):
                    p = round(0.9 / r * rng.random(), 4)
                    name = f"Artist Number {1 + (i * r) % ARTISTS}"
                    yield (i, "artist", r, name, p, None, None, "m001", NOW, 0)
            if i % 10 >= 6:
                for r in range(1, 4):
                    y = 1500 + (i * r) % 450
                    yield (i, "date", r, f"{y // 10 * 10}s", round(0.8 / r * rng.random(), 4),
                           y // 10 * 10, y // 10 * 10 + 9, "m001", NOW, 0)  # fmt: skip

    conn.executemany(
        "INSERT INTO suggestions (asset_id, field, rank, value, probability, year_from, year_to,"
        " model_version, created_at, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        suggestions(),
    )
    imported = _state("Artist Number 1", "imported", None)
    accepted = _state("Artist Number 2", "suggestion", "ana")

    def decisions_rows() -> Iterator[tuple[object, ...]]:
        for d in range(decisions):
            asset = 1 if d < HEAVY else rng.randint(2, assets)
            who = REVIEWERS[d % len(REVIEWERS)]
            action = ("accept", "reject", "edit")[d % 3]
            yield (asset, "artist", action, "Artist Number 1", "Artist Number 2", who, NOW,
                   "m001", 0.8, imported, accepted, f"b{d:031d}")  # fmt: skip

    conn.executemany(
        "INSERT INTO decisions (asset_id, field, action, old_value, new_value, reviewer, at,"
        " model_version, probability, old_state, new_state, batch_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        decisions_rows(),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return {"assets": assets, "decisions": decisions}


def catalogue(assets: int = ASSETS, decisions: int = DECISIONS) -> tuple[Path, float]:
    """The cached load catalogue (built if missing or stale) and the seconds building took."""
    from heritage_desk.storage import db, migrations

    path = CACHE / f"load-{assets}-{decisions}.sqlite"
    stamp = path.with_suffix(".json")
    head = migrations.head_revision()
    if path.exists() and stamp.exists() and json.loads(stamp.read_text()).get("rev") == head:
        engine = db.create_engine(path)
        ok = migrations.current_revision(engine) == head
        engine.dispose()
        if ok:
            return path, 0.0
    CACHE.mkdir(parents=True, exist_ok=True)
    for p in CACHE.glob(f"{path.name}*"):
        p.unlink()
    t0 = time.perf_counter()
    build(path, assets, decisions)
    stamp.write_text(json.dumps({"rev": head}))
    return path, time.perf_counter() - t0


def _top_step(cat: object, reviewer: str) -> str | None:
    """The lookup every undo starts with: the reviewer's latest step not undone yet."""
    from heritage_desk.storage import undo

    with cat.session() as s:  # type: ignore[attr-defined]
        return undo.top_undo_step(s, reviewer)


def _median_ms(fn: Callable[[], object], repeats: int = 5) -> tuple[float, object]:
    out: object = None
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def measure(path: Path, export_repeats: int = 3) -> dict[str, tuple[float, object]]:
    """name -> (median ms, last result) for every figure."""
    from heritage_desk.core.model import Field
    from heritage_desk.storage.catalogue import Catalogue
    from heritage_desk.storage.exporter import export_csv

    out: dict[str, tuple[float, object]] = {}
    out["open"] = _median_ms(lambda: Catalogue.open(path, create=False).close())
    with Catalogue.open(path, create=False) as cat:
        q_missing = AssetQuery(missing_artist=True, limit=100)
        out["filter missing artist: first page"] = _median_ms(lambda: cat.query_assets(q_missing))
        out["filter missing artist: count"] = _median_ms(
            lambda: cat.count_assets(AssetQuery(missing_artist=True))
        )
        conf = AssetQuery(has_suggestions=True, sort=Sort.CONFIDENCE, limit=100)
        out["pending, by confidence: first page"] = _median_ms(lambda: cat.query_assets(conf))
        artist = AssetQuery(artist="Artist Number 17", limit=100)
        out["filter by artist (any spelling)"] = _median_ms(lambda: cat.query_assets(artist))
        text = AssetQuery(text="INV-09999", limit=100)
        out["search inventory number"] = _median_ms(lambda: cat.query_assets(text))
        out[f"history of the busiest asset ({HEAVY:,} decisions)"] = _median_ms(
            lambda: cat.history(1)
        )
        out["history of a typical asset"] = _median_ms(lambda: cat.history(54321 % ASSETS + 2))
        out["history of one field"] = _median_ms(lambda: cat.history(1, Field.ARTIST))
        out["undo: the reviewer's latest step"] = _median_ms(lambda: _top_step(cat, "ana"))
        out["latest 50 decisions"] = _median_ms(lambda: cat.last_decisions(50))
        out["info counts"] = _median_ms(cat.stats)
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "export.csv"
            out["export all assets to CSV"] = _median_ms(
                lambda: export_csv(cat, target), repeats=export_repeats
            )
    return out


GOALS_MS = {
    "open": 1000,
    "filter missing artist: first page": 300,
    "filter missing artist: count": 500,
    "pending, by confidence: first page": 1000,
    "filter by artist (any spelling)": 300,
    "search inventory number": 500,
    f"history of the busiest asset ({HEAVY:,} decisions)": 1000,
    "history of a typical asset": 50,
    "history of one field": 1000,
    "undo: the reviewer's latest step": 200,
    "latest 50 decisions": 50,
    "info counts": 1000,
    "export all assets to CSV": 60_000,
}


def run() -> list[Result]:
    path, built = catalogue()
    size = f"{ASSETS:,} assets, {DECISIONS:,} decisions"
    results = []
    for name, (ms, _) in measure(path).items():
        goal = GOALS_MS[name]
        unit, value, shown = ("s", ms / 1000, f"< {goal / 1000:g} s") if goal >= 10_000 else (
            "ms", ms, f"< {goal} ms")  # fmt: skip
        note = f"SQLite, {size}; median of {3 if 'export' in name else 5}"
        if built and name == "open":
            note += f"; generating the catalogue took {built:.0f} s"
        results.append(Result(f"load: {name}", value, unit, shown, ms < goal, COMMAND, note))
    return results


if __name__ == "__main__":
    for r in run():
        print(f"{r.name}: {r.value:.4g} {r.unit} (goal {r.goal}, met {r.met}) {r.note}")
