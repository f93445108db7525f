"""The model panel's report: versions with their metrics and curves, and a confusion matrix."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from heritage_desk.core.model import Action, Field, ModelVersion
from heritage_desk.core.views import ModelReport
from heritage_desk.storage.catalogue import Catalogue


def _curves(path: str) -> dict[str, tuple[float, ...]]:
    """Training curves saved beside a checkpoint (the sidecar's history, or ours)."""
    p = Path(path)
    for side in (p.with_suffix(".json"), p.with_suffix(".curves.json")):
        try:
            data = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        hist = data.get("train_config", {}).get("history") if "train_config" in data else data
        if isinstance(hist, dict):
            series = {
                k: tuple(float(x) for x in v)
                for k, v in hist.items()
                if isinstance(v, list) and v and all(isinstance(x, int | float) for x in v)
            }
            if series:
                return series
    return {}


def _with_sidecar_metrics(v: ModelVersion) -> ModelVersion:
    """A version whose catalogue row has no metrics (the starter) gets its checkpoint's."""
    if v.metrics:
        return v
    try:
        data = json.loads(Path(v.path).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return v
    metrics = {
        k: float(x) for k, x in data.get("metrics", {}).items() if isinstance(x, int | float)
    }
    return replace(v, metrics=metrics) if metrics else v


def _confusion(
    cat: Catalogue, top: int = 10
) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """Suggested (first decided) vs confirmed artist over curators' recent decisions."""
    first: dict[int, str] = {}
    for d in reversed(cat.last_decisions(5000)):
        if d.field is Field.ARTIST and d.action in (Action.ACCEPT, Action.REJECT):
            first.setdefault(d.asset_id, d.new_value or "")
    if not first:
        return (), ()
    pairs = []
    for a in cat.get_assets(list(first)):
        truth = a.value(Field.ARTIST)
        if truth:
            pairs.append((truth, first[a.id]))
    labels = [n for n, _ in Counter(t for t, _ in pairs).most_common(top)]
    index = {n: i for i, n in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for t, pr in pairs:
        if t in index and pr in index:
            m[index[t]][index[pr]] += 1
    return tuple(labels), tuple(tuple(r) for r in m)


def model_report(cat: Catalogue, in_use: str | None, device: str) -> ModelReport:
    """Everything the model panel shows (in_use: the version suggestions come from, if any)."""
    versions = tuple(_with_sidecar_metrics(v) for v in cat.model_versions())
    active = next((v for v in versions if v.active), None)
    note = ""
    if active is None:
        note = "No retrain yet: the starter model shipped with the app makes the suggestions."
        if in_use is None:
            note = "No model found: put a starter model in resources/models, or retrain."
    labels, matrix = _confusion(cat)
    curves = {v.version: c for v in versions if (c := _curves(v.path))}
    if labels:
        note += " Confusion: the artist first suggested vs the artist curators confirmed."
    return ModelReport(versions, active.version if active else None,
                       in_use, device, labels, matrix, curves,
                       note.strip())  # fmt: skip
