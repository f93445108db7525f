"""The retrain child: `python -m heritage_desk.services.retrain_child (MANIFEST OUT | -)`.

It imports torch, says `ready`, then reads a JSON manifest of confirmed labels (from a file,
or with "-" one line `{"manifest": ..., "out": ...}` on stdin) from the parent, loads
their embeddings from the on-disk cache (never the catalogue database), trains the head on them
plus the starter model's exemplars (so the starter's artists are not forgotten), writes the
checkpoint to a temp file that is fsynced and renamed to OUT, validates the new model and the
active one on the same held-out items, and reports JSON lines on stdout:

    {"event": "start", ...}  {"event": "progress", "done": 3, "total": 30, "message": "..."}
    {"event": "metrics", ...}  {"event": "done", "checkpoint": OUT, "metrics": {...},
    "baseline": {...}}  or  {"event": "error", "message": "..."}

Only the standard library, numpy, torch and heritage_desk.ml/core are imported: no storage.
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

#: Exit status of a child whose parent went away (it stops instead of finishing unseen).
ORPHANED = 3
#: Bumped when the manifest's shape changes incompatibly.
MANIFEST_VERSION = 1
#: Optimiser steps a retrain aims for at least, and the most epochs (see adaptive_epochs).
TARGET_STEPS = 150
MAX_EPOCHS = 30
#: Rows per starter artist its exemplars count as (repeated), and the most repeats.
EXEMPLAR_WEIGHT = 24
MAX_EXEMPLAR_REPEAT = 4
#: Epochs of a warm start (fine-tuning the active model), and its learning-rate factor.
WARM_EPOCHS = 4
WARM_LR = 0.5
#: The held-out metrics a new model must not be worse at than the active one.
COMPARED = ("artist_top1", "decade_acc")


@dataclass(frozen=True)
class ManifestItem:
    """One confirmed asset: its embedding key, labels and known context."""

    checksum: str
    artist: str | None
    year: int | None
    genre: str | None = None
    style: str | None = None
    medium: str | None = None
    title: str | None = None
    group: str = ""  # artwork key: copies of one painting share it
    holdout: bool = False
    files: list[str] = field(default_factory=list)  # cached embedding per view, under cache_dir


@dataclass
class Manifest:
    """Everything the child needs; written by the parent, read by the child."""

    version: str  # the model version being trained
    backbone: str
    views: list[str]
    cache_dir: str
    items: list[ManifestItem]
    starter: str | None = None  # checkpoint whose exemplars keep the starter's artists
    baseline: str | None = None  # checkpoint of the active model, validated on the same items
    baseline_version: str | None = None
    num_threads: int = 1
    seed: int = 0
    epochs: int | None = None
    refit_all: bool = False  # after validation, train once more on every item (slower)
    warm_start: bool = True  # fine-tune the active model (a few epochs) instead of a fresh one
    format_version: int = MANIFEST_VERSION
    train_options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        d = json.loads(text)
        if int(d.get("format_version", 0)) > MANIFEST_VERSION:
            raise ValueError(f"manifest format {d['format_version']} is newer than this app")
        d["items"] = [ManifestItem(**i) for i in d["items"]]
        if not isinstance(d.get("views"), list):
            raise ValueError("manifest has no list of views")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})

    def write(self, path: str | Path) -> Path:
        """Write atomically (temp file, fsync, rename)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(self.to_json())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return path

    @classmethod
    def read(cls, path: str | Path) -> Manifest:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))


class Emitter:
    """Writes one JSON object per line to the protocol stream, flushed at once."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: str, **data: Any) -> None:
        line = json.dumps({"event": event, **data}, ensure_ascii=False, default=_jsonable)
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                os._exit(ORPHANED)  # nobody listens any more: stop, write nothing


def _jsonable(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    return str(o)


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


def fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _examples(items: Sequence[ManifestItem]) -> list[Any]:
    from heritage_desk.ml.data import Example

    return [
        Example(
            image_path=i.checksum,
            artist=i.artist,
            year=i.year,
            genre=i.genre,
            style=i.style,
            medium=i.medium,
            title=i.group or i.title,
        )
        for i in items
    ]


def starter_exemplars(tm: Any) -> tuple[list[Any], Any]:
    """The starter's exemplars as examples + embeddings, repeated up to EXEMPLAR_WEIGHT rows.

    A starter keeps a few exemplars per artist; a catalogue may hold hundreds of works of
    its own artists. Repeating the exemplars keeps the starter's artists from being drowned.
    """
    import numpy as np

    from heritage_desk.ml.exemplars import exemplar_examples

    ex, feats = exemplar_examples(tm)
    artists = {e.artist for e in ex if e.artist}
    if not ex or not artists:
        return [], None
    per_artist = len(ex) / len(artists)
    repeat = max(1, min(MAX_EXEMPLAR_REPEAT, round(EXEMPLAR_WEIGHT / per_artist)))
    return ex * repeat, np.concatenate([feats] * repeat)


def evaluate_on(tm: Any, feats: Any, items: Sequence[ManifestItem]) -> dict[str, float]:
    """Artist top-1 (same person by canonical key), decade accuracy and year MAE on `items`."""
    import numpy as np
    import torch

    from heritage_desk.core.names import parse_artist
    from heritage_desk.core.yearbins import decade
    from heritage_desk.ml.train import predict_logits

    out: dict[str, float] = {"n": float(len(items))}
    if not items:
        return out
    ctx = [{"genre": i.genre, "style": i.style, "medium": i.medium} for i in items]
    za, zd = predict_logits(
        tm.model, torch.from_numpy(np.asarray(feats)), tm.vocab.encode_meta(ctx)
    )
    keys = [parse_artist(a).key for a in tm.vocab.artists]
    pa = za.argmax(1).tolist()
    hits = [
        keys[p] == parse_artist(i.artist).key for p, i in zip(pa, items, strict=True) if i.artist
    ]
    if hits:
        out["artist_top1"] = float(np.mean(hits))
        out["n_artist"] = float(len(hits))
    pd = zd.argmax(1).tolist()
    dec = [
        (tm.vocab.decades[p], i.year) for p, i in zip(pd, items, strict=True) if i.year is not None
    ]
    if dec:
        out["decade_acc"] = float(np.mean([d == decade(y) for d, y in dec]))
        out["year_mae"] = float(np.mean([abs(d + 5 - y) for d, y in dec]))
        out["n_year"] = float(len(dec))
    return out


def load_embeddings(root: Path, items: Sequence[ManifestItem]) -> tuple[Any, Any]:
    """Mean over views of each item's cached vectors [N,D], and a mask of the items found.

    The parent names the files, so the child needs neither the cache's layout nor the
    embedding module (which would import torchvision: seconds of start-up saved).
    """
    import numpy as np

    rows: list[Any] = []
    found = np.zeros(len(items), dtype=bool)
    dim = 0
    for n, item in enumerate(items):
        vecs = []
        for rel in item.files:
            try:
                v = np.load(root / rel, allow_pickle=False)
            except (OSError, ValueError, EOFError):
                break
            if v.ndim != 1 or (dim and v.shape[0] != dim):
                break
            dim = dim or int(v.shape[0])
            vecs.append(v.astype(np.float32))
        if vecs and len(vecs) == len(item.files):
            found[n] = True
            rows.append(np.mean(vecs, axis=0))
        else:
            rows.append(None)
    out = np.zeros((len(items), dim), dtype=np.float32)
    for n, r in enumerate(rows):
        if r is not None:
            out[n] = r
    return out, found


def adaptive_epochs(n: int, batch_size: int, default: int) -> int:
    """The trainer's default epochs, or more for a small catalogue (about TARGET_STEPS steps).

    The default suits thousands of examples; a catalogue of a few hundred would get only a
    handful of optimiser steps from it. Capped at MAX_EPOCHS, so a retrain stays seconds.
    """
    steps = max(1, -(-n // batch_size))
    return max(default, min(MAX_EPOCHS, -(-TARGET_STEPS // steps)))


def _copy_head_rows(new: Any, old: Any, rows: list[tuple[int, int]]) -> None:
    """new.weight[i] = old.weight[j] (and biases) for each (i, j)."""
    import torch

    with torch.no_grad():
        for i, j in rows:
            new.weight[i] = old.weight[j]
            new.bias[i] = old.bias[j]


def warm_start_head(base: Any, examples: Sequence[Any], x: Any, config: Any, progress: Any) -> Any:
    """Fine-tune a copy of `base` on the examples: new artists, decades and metadata values
    get fresh rows, everything it knew is kept; a few epochs suffice where a fresh network
    needs many (heritage_desk.ml.train.train_head has no initial weights to start from).
    """
    import math
    from datetime import UTC, datetime

    import numpy as np
    import torch

    from heritage_desk.core.progress import Progress
    from heritage_desk.ml.calibration import fit_temperature
    from heritage_desk.ml.data import artwork_key
    from heritage_desk.ml.model import META_FIELDS, ModelConfig, MultimodalNet
    from heritage_desk.ml.train import Batchable, data_hash, predict_logits, train_one_epoch
    from heritage_desk.ml.trained import TrainedModel
    from heritage_desk.ml.vocab import Vocab

    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    vocab = Vocab.build(examples, base=base.vocab)
    bc = base.model.config
    cfg = ModelConfig(
        feature_dim=bc.feature_dim,
        n_artists=len(vocab.artists),
        n_decades=len(vocab.decades),
        meta_sizes=vocab.meta_sizes(),
        meta_hidden=bc.meta_hidden,
        shared_hidden=bc.shared_hidden,
        dropout=bc.dropout,
        image_only=bc.image_only,
    )
    model = MultimodalNet(cfg)
    old = base.model
    with torch.no_grad():
        model.feat_mean.copy_(old.feat_mean)
        model.feat_std.copy_(old.feat_std)
        model.shared.load_state_dict(old.shared.state_dict())
        if not cfg.image_only:  # one-hot blocks grow at their ends: copy each old block
            lin_new, lin_old = model.meta[0], old.meta[0]
            assert isinstance(lin_new, torch.nn.Linear) and isinstance(lin_old, torch.nn.Linear)
            o_new = o_old = 0
            for f in META_FIELDS:
                n_old = bc.meta_sizes[f]
                cols = lin_new.weight[:, o_new : o_new + n_old]
                cols.copy_(lin_old.weight[:, o_old : o_old + n_old])
                o_new, o_old = o_new + cfg.meta_sizes[f], o_old + n_old
            lin_new.bias.copy_(lin_old.bias)
    _copy_head_rows(model.artist_head, old.artist_head, [(i, i) for i in range(bc.n_artists)])
    index = {d: i for i, d in enumerate(vocab.decades)}
    _copy_head_rows(
        model.decade_head,
        old.decade_head,
        [(index[d], j) for j, d in enumerate(base.vocab.decades) if d in index],
    )
    a, d, m = vocab.encode(examples)
    feats = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    keys = sorted({artwork_key(e) for e in examples})
    rng = np.random.default_rng(config.seed)
    cal_keys = set(rng.permutation(keys)[: round(config.calibration_fraction * len(keys))])
    cal = np.array([artwork_key(e) in cal_keys for e in examples], dtype=bool)
    if len(examples) < 20:
        cal[:] = False
    tr, ho = torch.from_numpy(np.flatnonzero(~cal)), torch.from_numpy(np.flatnonzero(cal))
    train = Batchable(feats[tr], a[tr], d[tr], m[tr])
    opt = torch.optim.AdamW(
        model.parameters(), lr=config.lr * WARM_LR, weight_decay=config.weight_decay, fused=True
    )
    steps = config.epochs * math.ceil(len(train) / config.batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s / max(steps, 1), 1.0)))
    )
    for epoch in range(config.epochs):
        loss = train_one_epoch(model, train, opt, sched, config, gen)
        progress(Progress(epoch + 1, config.epochs, f"epoch {epoch + 1}: loss {loss:.3f}"))
    model.eval()
    ta = td = 1.0
    if len(ho):
        za, zd = predict_logits(model, feats[ho], m[ho])
        ta, td = fit_temperature(za, a[ho]), fit_temperature(zd, d[ho])
    return TrainedModel(
        model=model,
        vocab=vocab,
        backbone=base.backbone,
        views=tuple(base.views),
        artist_temperature=ta,
        decade_temperature=td,
        metrics={"n_train": float(len(tr)), "n_holdout": float(len(ho))},
        data_hash=data_hash(examples, x),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_config={**config.to_dict(), "warm_start": True},
    )


def run_training(m: Manifest, out: Path, emit: Emitter) -> None:
    """Train, save atomically, validate against the baseline; emit progress and the outcome."""
    import numpy as np

    from heritage_desk.core.progress import Progress
    from heritage_desk.ml.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
    from heritage_desk.ml.runtime import set_num_threads
    from heritage_desk.ml.train import TrainConfig, train_head

    t0 = time.perf_counter()
    set_num_threads(m.num_threads)
    emit("start", pid=os.getpid(), version=m.version, items=len(m.items))
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
            emit("metrics", phase="holdout", model="baseline", error=str(exc))
    same_input = base is not None and (base.backbone, tuple(base.views)) == (
        m.backbone,
        tuple(m.views),
    )
    warm = base if m.warm_start and same_input and len(items) else None

    def fit(rows: Any) -> Any:
        sel = [i for i, keep in zip(items, rows, strict=True) if keep]
        ex = _examples(sel) + ex_s
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
            emit("progress", done=p.done, total=p.total, message=p.message)

        if warm is not None:
            config = dataclasses.replace(config, epochs=m.epochs or WARM_EPOCHS)
            return warm_start_head(warm, ex, x, config, progress)
        base_vocab = starter.vocab if starter is not None else None
        return train_head(
            ex, x, config, progress, backbone=m.backbone, views=m.views, base_vocab=base_vocab
        )

    emit(
        "metrics",
        phase="data",
        n_items=len(m.items),
        n_embedded=len(items),
        n_train=int(train_mask.sum()),
        n_holdout=len(hold),
        n_exemplars=len(ex_s),
    )
    tm = fit(train_mask)
    metrics = evaluate_on(tm, feats[~train_mask], hold)
    emit("metrics", phase="holdout", model="new", **metrics)
    baseline: dict[str, float] | None = None
    if base is not None and same_input:
        baseline = evaluate_on(base, feats[~train_mask], hold)
        emit("metrics", phase="holdout", model="baseline", **baseline)
    if m.refit_all and len(hold):
        tm = fit(np.ones(len(items), dtype=bool))
    tm.metrics.update({f"holdout_{k}": v for k, v in metrics.items()})
    tm.train_config["model_version"] = m.version
    if starter is not None:
        tm.extra_tensors.update(starter.extra_tensors)  # pass the exemplars on to the next run
    out.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(tm, out)  # temp file, fsync, os.replace inside
    fsync_dir(out.parent)
    emit(
        "done",
        checkpoint=str(out),
        metrics=metrics,
        baseline=baseline,
        missing_embeddings=len(m.items) - len(items),
        seconds=time.perf_counter() - t0,
    )


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

        emit("ready", pid=os.getpid())
        manifest, out = _read_request(args)
        run_training(manifest, out, emit)
    except Exception as exc:  # reported to the parent as one clear line
        traceback.print_exc(file=sys.stderr)
        emit("error", message=f"{type(exc).__name__}: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    status = main()
    # Tearing torch down takes seconds; everything is written and fsynced, so skip it.
    sys.stderr.flush()
    os._exit(status)
