"""Adapters from the Qt-free services to the workers' steps, split by the thread each runs on."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from heritage_desk.core.model import PREDICTED_FIELDS, Action, Asset, Changes, Field, needs_value
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken
from heritage_desk.workers.detail import ModelReport

log = logging.getLogger(__name__)

_EPOCH = re.compile(r"epoch (\d+): loss ([0-9.]+)")


@dataclass(frozen=True)
class Batch:
    """What the inference thread needs for a batch, read from the catalogue on the executor."""

    assets: list[Asset]  # every asset of the batch: each gets an embedding
    needs: list[bool]  # which of them lack an artist or a date: those get suggestions
    files: list[str]
    model: Any  # services.suggestions.ModelInUse | None
    names: dict[str, str]


class InferenceEngine:
    """gather (executor) -> predict (inference thread, torch) -> store (executor)."""

    def __init__(self, device: str | None = None, num_threads: int | None = None) -> None:
        self.device = None if device in (None, "auto") else device
        self.num_threads = num_threads
        self._svc: Any = None
        self._predictor: Any = None
        self._key: tuple[str, str] | None = None
        self._embedder: Any = None

    def warm_up(self) -> None:
        """Inference thread, at start: import torch and the model code once, off the executor."""
        import heritage_desk.ml.embeddings
        import heritage_desk.ml.predictor
        import heritage_desk.services.suggestions  # noqa: F401

    def gather(self, services: Any, asset_ids: Sequence[int]) -> Batch:
        svc = self._svc = services.suggestions
        assets = services.catalogue.get_assets(list(asset_ids))
        needs = [any(needs_value(a, f) for f in PREDICTED_FIELDS) for a in assets]
        names = {}
        for n in services.catalogue.artists():
            key = parse_artist(n).key
            if key:
                names[key] = n
        files = [str(svc.image_file(a)) for a in assets]
        return Batch(assets, needs, files, svc.current_model(), names)

    def predict(self, batch: Batch, cancel: CancelToken) -> dict[int, list[Any]]:
        if batch.model is None or not batch.assets:
            return {}
        import numpy as np

        from heritage_desk.ml.embeddings import Embedder
        from heritage_desk.ml.predictor import Predictor
        from heritage_desk.ml.runtime import set_num_threads

        svc = self._svc
        key = (batch.model.version, str(batch.model.path))
        if self._predictor is None or self._key != key:
            set_num_threads(self.num_threads)
            self._predictor = Predictor.load(batch.model.path, batch.model.version)
            self._key = key
            # Share the loaded model with the service (evidence needs its backbone name).
            svc.share_predictor(self._predictor, key)
        p = self._predictor
        views = tuple(p.trained.views)
        if self._embedder is None or self._embedder.backbone != p.backbone:
            self._embedder = Embedder(
                p.backbone, views, cache=svc.cache, weights=svc.weights,
                num_threads=self.num_threads, device=self.device,
            )  # fmt: skip
        checks = [a.checksum for a in batch.assets]
        _, found = svc.cache.get_many(checks, p.backbone, views)
        todo = [i for i, ok in enumerate(found) if not ok]
        if todo:
            cancel.raise_if_cancelled()
            self._embedder.embed_files(
                [batch.files[i] for i in todo],
                checksums=[checks[i] for i in todo],
                cancel=cancel,
                on_error=lambda path, exc: log.info("cannot embed %s: %s", path, exc),
            )
        feats, found = svc.cache.get_many(checks, p.backbone, views)
        use = [ok and need for ok, need in zip(found, batch.needs, strict=True)]
        have = [a for a, ok in zip(batch.assets, use, strict=True) if ok]
        if not have:
            return {}
        names = {parse_artist(n).key: n for n in p.vocab.artists}
        names.update(batch.names)
        return dict(svc.suggest_with(p, have, feats[np.asarray(use, dtype=bool)], names))

    def store(self, services: Any, outputs: dict[int, list[Any]]) -> Changes:
        if not outputs:
            return Changes()
        changes: Changes = services.catalogue.replace_suggestions_many(
            outputs, fields=PREDICTED_FIELDS
        )
        services.suggestions.note_changes(Changes(fields=True))
        return changes


class RetrainSteps:
    """prepare (executor) -> run the child (supervisor thread) -> register (executor)."""

    def prepare(self, services: Any) -> Any:
        return services.retrain.prepare()

    def run(self, job: Any, on_event: Any, cancel: CancelToken) -> Any:
        curves: dict[str, list[float]] = {"loss": []}

        def relay(ev: dict[str, Any]) -> None:
            m = _EPOCH.search(str(ev.get("message", ""))) if ev.get("event") == "progress" else None
            if m:
                curves["loss"].append(float(m.group(2)))
            on_event(ev)

        return job, job.run_to_outcome(cancel=cancel, on_event=relay), curves

    def finish(self, services: Any, result: Any) -> Any:
        job, outcome, curves = result
        registered = services.retrain.register(job, outcome)
        if outcome.checkpoint is not None and curves["loss"]:
            side = Path(outcome.checkpoint).with_suffix(".curves.json")
            side.write_text(json.dumps(curves), encoding="utf-8")
        return registered


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


def _with_sidecar_metrics(v: Any) -> Any:
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


def _confusion(services: Any, top: int = 10) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """Suggested (first decided) vs confirmed artist over curators' recent decisions."""
    cat = services.catalogue
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


def model_report(services: Any, device: str) -> ModelReport:
    """Everything the model panel shows, read on the executor."""
    cat = services.catalogue
    versions = tuple(_with_sidecar_metrics(v) for v in cat.model_versions())
    active = next((v for v in versions if v.active), None)
    note = ""
    m = services.suggestions.current_model() if services.with_model else None
    if active is None:
        note = "No retrain yet: the starter model shipped with the app makes the suggestions."
        if m is None:
            note = "No model found: put a starter model in resources/models, or retrain."
    labels, matrix = _confusion(services)
    curves = {v.version: c for v in versions if (c := _curves(v.path))}
    if labels:
        note += " Confusion: the artist first suggested vs the artist curators confirmed."
    return ModelReport(versions, active.version if active else None,
                       m.version if m is not None else None, device, labels, matrix, curves,
                       note.strip())  # fmt: skip
