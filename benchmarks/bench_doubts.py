"""Possible mistakes on a real museum's records (issue 17 item 7): does `doubts` find them?

The 135 Art Institute of Chicago paintings of aic-demo with the museum's own artist lines, all
kept, except that a deterministic third of the works by painters the starter knows get the
line of another such painter (a cataloguing slip: the wrong name copied in). The app's CLI runs
as a curator would: `import`, then `doubts --out`. The swaps are written apart (`truth/`) and
only `score()` reads them.

    python -m benchmarks.run doubts
"""

from __future__ import annotations

import csv
import hashlib
import json
import tempfile
from pathlib import Path

from benchmarks.bench_museum import AIC, RECORD_COLUMNS, _cli, _starter_keys
from benchmarks.common import Result

COMMAND = "python -m benchmarks.run doubts"
SWAP_FRACTION = 1 / 3


def _swapped(aic_id: str) -> bool:
    h = int.from_bytes(hashlib.sha256(f"swap:{aic_id}".encode()).digest()[:8], "big")
    return h / 2**64 < SWAP_FRACTION


def prepare(work: Path, known: set[str]) -> tuple[Path, Path]:
    """The record with some known painters' lines swapped, and apart, which were swapped."""
    from heritage_desk.core.names import parse_artist

    rows = list(csv.DictReader((AIC / "labels.csv").open(encoding="utf-8")))
    knowable = [r for r in rows if parse_artist(r["artist_display"]).key in known]
    lines = sorted({r["artist_display"] for r in knowable})
    swaps: dict[str, str] = {}
    for r in knowable:
        if _swapped(r["aic_id"]):
            own = parse_artist(r["artist_display"]).key
            others = [x for x in lines if parse_artist(x).key != own]
            pick = int(hashlib.sha256(r["aic_id"].encode()).hexdigest(), 16) % len(others)
            swaps[Path(r["image_file"]).name] = others[pick]
    (work / "truth").mkdir(parents=True, exist_ok=True)
    record, truth = work / "record.csv", work / "truth" / "swaps.json"
    with record.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(RECORD_COLUMNS)
        for r in rows:
            name = Path(r["image_file"]).name
            artist = swaps.get(name, r["artist_display"])
            w.writerow([name, artist, r["date_display"], r["title"], r["medium"]])
    judged = [Path(r["image_file"]).name for r in knowable]
    truth.write_text(json.dumps({"swapped": sorted(swaps), "judged": judged}), encoding="utf-8")
    return record, truth


def score(doubts_csv: Path, truth_json: Path) -> dict[str, float]:
    truth = json.loads(truth_json.read_text(encoding="utf-8"))
    swapped, judged = set(truth["swapped"]), set(truth["judged"])
    listed = {Path(r["image_file"]).name for r in csv.DictReader(doubts_csv.open(encoding="utf-8"))}
    hits = len(listed & swapped)
    return {
        "works_judged": len(judged),
        "swapped": len(swapped),
        "listed": len(listed),
        "recall": hits / max(len(swapped), 1),
        "precision": hits / len(listed) if listed else float("nan"),
        "false_alarms_on_right_records": len(listed - swapped) / max(len(judged - swapped), 1),
    }


def measure(work: Path) -> dict[str, float]:
    data = work / "data"
    record, truth = prepare(work, _starter_keys())
    cat, images = str(work / "catalogue.sqlite"), str(AIC / "images")
    _cli(
        ["import", cat, "--images", images, "--metadata", str(record)]
        + [f"--map={f}={f}" for f in RECORD_COLUMNS],
        data,
    )
    out = work / "doubts.csv"
    _cli(["doubts", cat, "--images", images, "-q", "--out", str(out)], data)
    return score(out, truth)


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-doubts-") as tmp:
        f = measure(Path(tmp))
    print(json.dumps(f, indent=1))
    return [
        Result(f"possible mistakes: {k}", float(v), "", "report", None, COMMAND)
        for k, v in f.items()
    ]
