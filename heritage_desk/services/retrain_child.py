"""The retrain child: `python -m heritage_desk.services.retrain_child (MANIFEST OUT | -)`.

It imports torch, says `ready`, then reads a JSON manifest of confirmed labels (from a file,
or with "-" one line `{"manifest": ..., "out": ...}` on stdin) from the parent, loads
their embeddings from the on-disk cache (never the catalogue database), trains the head on them
plus the starter model's exemplars (so the starter's artists are not forgotten), writes the
checkpoint to a temp file that is fsynced and renamed to OUT, validates the new model and the
active one on the same held-out items, and reports JSON lines on stdout: the events of
services/retrain_protocol.py (ready, start, progress, metrics, then done or error).

Only the standard library, numpy, torch and heritage_desk.ml/core are imported: no storage.
This module is the process and its protocol; the manifest format is in retrain_manifest, the
training and evaluation steps in retrain_training.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from heritage_desk.core.atomic import fsync_dir
from heritage_desk.services import retrain_protocol as protocol
from heritage_desk.services.retrain_manifest import Manifest
from heritage_desk.services.retrain_training import (
    WARM_EPOCHS,
    adaptive_epochs,
    as_suggested,
    examples_of,
    load_embeddings,
    measure_on_holdout,
    starter_exemplars,
)

#: Exit status of a child whose parent went away (it stops instead of finishing unseen).
ORPHANED = 3


class Emitter:
    """Writes one JSON object per line to the protocol stream, flushed at once."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: protocol.Event) -> None:
        line = protocol.encode(event)
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                os._exit(ORPHANED)  # nobody listens any more: stop, write nothing


def _protocol_stream() -> IO[str]:
    """A private copy of stdout for the protocol; fd 1 then goes to stderr.

    Anything a library prints would otherwise corrupt the JSON lines the parent reads.
    """
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", encoding="utf-8", buffering=1)


def _watch_parent(interval: float = 0.5) -> None:
    """Exit when the parent dies (we run in our own session, so no signal reaches us)."""
    parent = os.getppid()

    def loop() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(ORPHANED)

    if parent > 1:
        threading.Thread(target=loop, name="parent-watch", daemon=True).start()


def run_training(m: Manifest, out: Path, emit: Emitter) -> None:
    """Train, save atomically, validate against the baseline; emit progress and the outcome."""
    import numpy as np

    from heritage_desk.core.progress import Progress
    from heritage_desk.ml.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
    from heritage_desk.ml.evaluate import evaluate_items
    from heritage_desk.ml.predictor import Predictor
    from heritage_desk.ml.reliability import Reliability
    from heritage_desk.ml.runtime import set_num_threads
    from heritage_desk.ml.train import TrainConfig, measure_range_levels, train_head

    t0 = time.perf_counter()
    set_num_threads(m.num_threads)
    emit(protocol.Start(os.getpid(), m.version, len(m.items)))
    feats, found = load_embeddings(Path(m.cache_dir), m.items)
    items = [i for i, ok in zip(m.items, found, strict=True) if ok]
    feats = feats[found]
    train_mask = np.array([not i.holdout for i in items], dtype=bool)
    hold = [i for i in items if i.holdout]
    starter = load_checkpoint(m.starter) if m.starter else None
    ex_s, f_s = starter_exemplars(starter) if starter is not None else ([], None)
    if starter is not None and starter.backbone != m.backbone:
        ex_s, f_s = [], None  # the starter was trained on another backbone: nothing to reuse

    base = None
    if m.baseline:
        try:
            base = load_checkpoint(m.baseline)
        except CheckpointError as exc:  # a damaged active model is replaced, not compared
            emit(protocol.Metrics("holdout", "baseline", error=str(exc)))
    same_input = base is not None and (base.backbone, tuple(base.views)) == (
        m.backbone,
        tuple(m.views),
    )
    warm = base if m.warm_start and same_input and len(items) else None

    trained_on: list[Any] = []

    def fit(rows: Any) -> Any:
        sel = [i for i, keep in zip(items, rows, strict=True) if keep]
        ex = examples_of(sel) + ex_s
        trained_on[:] = ex
        parts = [feats[rows]] if rows.any() else []
        x = np.concatenate([*parts, f_s]) if f_s is not None else (parts or [feats])[0]
        if not any(e.artist for e in ex) and not any(e.year is not None for e in ex):
            raise ValueError("no confirmed artist or year with a cached embedding to learn from")
        options = dict(m.train_options)
        default = TrainConfig()
        options["epochs"] = m.epochs or adaptive_epochs(
            len(ex), int(options.get("batch_size", default.batch_size)), default.epochs
        )
        config = TrainConfig(seed=m.seed, num_threads=m.num_threads, **options)

        def progress(p: Progress) -> None:
            emit(protocol.TrainingProgress(p.done, p.total, p.message))

        if warm is not None:
            config = dataclasses.replace(config, epochs=m.epochs or WARM_EPOCHS)
            return train_head(ex, x, config, progress, start=warm)
        base_vocab = starter.vocab if starter is not None else None
        return train_head(
            ex, x, config, progress, backbone=m.backbone, views=m.views, base_vocab=base_vocab
        )

    data = {
        "n_items": len(m.items), "n_embedded": len(items), "n_train": int(train_mask.sum()),
        "n_holdout": len(hold), "n_exemplars": len(ex_s),
    }  # fmt: skip
    emit(protocol.Metrics("data", None, {k: float(v) for k, v in data.items()}))
    tm = fit(train_mask)
    # The gate compares both models as curators see them: through the Predictor.
    hold_ex, hold_feats = examples_of(hold, scored=True), feats[~train_mask]
    suggested = as_suggested(hold)  # each scored with its other field recorded
    metrics = evaluate_items(Predictor(tm), hold_ex, hold_feats, **suggested)
    emit(protocol.Metrics("holdout", "new", metrics))
    baseline: dict[str, float] | None = None
    if base is not None and same_input:
        baseline = evaluate_items(Predictor(base), hold_ex, hold_feats, **suggested)
        emit(protocol.Metrics("holdout", "baseline", baseline))
    # Year ranges say how often they held on this catalogue's own held-out confirmed works
    # (when there are enough of them), not on the data the starter came from.
    own_levels = measure_range_levels(tm, hold_ex, hold_feats)
    prior = starter if starter is not None else base
    if prior is not None:  # what a small catalogue leans on
        tm.reliability = Reliability(
            tm.reliability.open_set or prior.reliability.open_set,
            # The range map's shape, fitted on thousands of works: the fit's own probe of a
            # few dozen gave wider ranges less often held (a slope of -0.97 on log width).
            prior.reliability.ranges or tm.reliability.ranges,
        )
    own = measure_on_holdout(tm, hold_feats, hold, trained_on)
    if m.refit_all and len(hold):
        tm = fit(np.ones(len(items), dtype=bool))
    tm.reliability = own
    if own_levels:  # () with fewer than 30 dated works held out: keep the fit's own measure
        tm.range_levels = own_levels
    tm.metrics.update({f"holdout_{k}": v for k, v in metrics.items()})
    tm.train_config["model_version"] = m.version
    if starter is not None:
        tm.extra_tensors.update(starter.extra_tensors)  # pass the exemplars on to the next run
    out.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(tm, out)  # temp file, fsync, os.replace inside
    fsync_dir(out.parent)
    extra = {"missing_embeddings": len(m.items) - len(items), "seconds": time.perf_counter() - t0}
    emit(protocol.Done(out, metrics, baseline, extra))


def _read_request(args: list[str]) -> tuple[Manifest, Path]:
    """The manifest and output path: from the arguments, or one JSON line on stdin ("-")."""
    if args[0] != "-":
        return Manifest.read(args[0]), Path(args[1])
    line = sys.stdin.readline()
    if not line.strip():
        raise SystemExit(0)  # the parent closed stdin: a spare child that was not needed
    req = json.loads(line)
    return Manifest.from_json(json.dumps(req["manifest"])), Path(req["out"])


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not (len(args) == 2 or args == ["-"]):
        print(
            "usage: python -m heritage_desk.services.retrain_child (MANIFEST OUT | -)",
            file=sys.stderr,
        )
        return 2
    emit = Emitter(_protocol_stream())
    _watch_parent()
    # SIGTERM (cancel) unwinds like an exception, so half-written temp files are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        # Load torch first: a spare child does this before its manifest exists.
        import heritage_desk.ml.checkpoint
        import heritage_desk.ml.train  # noqa: F401

        emit(protocol.Ready(os.getpid()))
        manifest, out = _read_request(args)
        run_training(manifest, out, emit)
    except Exception as exc:  # reported to the parent as one clear line
        traceback.print_exc(file=sys.stderr)
        emit(protocol.Error(f"{type(exc).__name__}: {exc}"))
        return 1
    return 0


if __name__ == "__main__":
    status = main()
    # Tearing torch down takes seconds; everything is written and fsynced, so skip it.
    sys.stderr.flush()
    os._exit(status)
