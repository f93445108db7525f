"""Head training on cached embeddings (the CPU fast path): train_one_epoch, fit_model, train_head.

Scoring is ml/evaluate's (through the Predictor curators see).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from heritage_desk.ml.calibration import fit_temperature
from heritage_desk.ml.data import Example, artwork_key
from heritage_desk.ml.model import (
    IGNORE,
    META_FIELDS,
    ModelConfig,
    MultimodalNet,
    mask_meta,
    multitask_loss,
)
from heritage_desk.ml.predictor import Predictor, fit_range_levels
from heritage_desk.ml.reliability import Reliability
from heritage_desk.ml.runtime import set_num_threads
from heritage_desk.ml.trained import TrainedModel
from heritage_desk.ml.vocab import Vocab, artist_key


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of head training; defaults were chosen on grouped CV (training/README)."""

    epochs: int = 12  # 10-30 epochs scored the same on grouped CV (training/README)
    batch_size: int = 512
    lr: float = 4e-3
    weight_decay: float = 0.05
    label_smoothing: float = 0.1
    mask_prob: float = 0.3
    image_only: bool = False
    meta_hidden: int = 256
    shared_hidden: int = 512  # the paper has 1024: same grouped-CV accuracy, half the time
    dropout: float = 0.5
    calibration_fraction: float = 0.1
    #: Share of artists held out whole to fit "none of the painters I know" (0: no probe).
    open_set_fraction: float = 0.0
    #: Year bins start no later than this decade and reach today (None: the data's span).
    first_decade: int | None = None
    seed: int = 0
    num_threads: int | None = None
    bf16: bool | None = (
        None  # autocast matmuls to bfloat16 (None: where the CPU has AMX/AVX512-BF16)
    )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """The config a checkpoint recorded (unknown keys ignored): retrain the same way."""
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class Batchable:
    """Encoded training data: features [N,D] or [N,V,D] (views), targets and metadata."""

    features: torch.Tensor
    artist: torch.Tensor
    decade: torch.Tensor
    meta: torch.Tensor
    #: Weight of each artist label (Example.weight); None: all count fully.
    artist_weight: torch.Tensor | None = None

    def __len__(self) -> int:
        return int(self.features.shape[0])

    def take(self, idx: torch.Tensor, gen: torch.Generator | None = None) -> Batchable:
        """Rows `idx`; with several views, one random view per row (augmentation)."""
        f = self.features[idx]
        if f.dim() == 3:
            v = torch.randint(f.shape[1], (f.shape[0],), generator=gen)
            f = f[torch.arange(f.shape[0]), v]
        w = self.artist_weight[idx] if self.artist_weight is not None else None
        return Batchable(f.float(), self.artist[idx], self.decade[idx], self.meta[idx], w)


def data_hash(examples: Sequence[Example], embeddings: np.ndarray) -> str:
    """A short hash of labels and embeddings: which data made a checkpoint."""
    h = hashlib.sha256()
    for e in examples:
        h.update(repr((e.artist, e.year, e.genre, e.style, e.medium)).encode())
    h.update(np.ascontiguousarray(embeddings, dtype=np.float16).tobytes())
    return h.hexdigest()[:16]


def use_bf16(config: TrainConfig) -> bool:
    """Whether to autocast to bfloat16: 4x faster matmuls on CPUs with AMX (measured here)."""
    if config.bf16 is not None:
        return config.bf16
    return bool(
        torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    )


def train_one_epoch(
    model: MultimodalNet,
    data: Batchable,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    config: TrainConfig,
    gen: torch.Generator,
    cancel: CancelToken | None = None,
) -> float:
    """One pass over `data` in random order; returns the mean loss."""
    model.train()
    order = torch.randperm(len(data), generator=gen)
    total, batches = 0.0, 0
    for start in range(0, len(data), config.batch_size):
        if cancel is not None:
            cancel.raise_if_cancelled()
        b = data.take(order[start : start + config.batch_size], gen)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16(config)):
            a_logits, d_logits = model(b.features, mask_meta(b.meta, config.mask_prob, gen))
        loss = multitask_loss(
            a_logits.float(),
            d_logits.float(),
            b.artist,
            b.decade,
            config.label_smoothing,
            b.artist_weight,
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += float(loss.detach())
        batches += 1
    return total / max(batches, 1)


@torch.inference_mode()
def predict_logits(
    model: MultimodalNet, features: torch.Tensor, meta: torch.Tensor, batch_size: int = 2048
) -> tuple[torch.Tensor, torch.Tensor]:
    """Artist and decade logits in eval mode; multi-view features are averaged first."""
    model.eval()
    if features.dim() == 3:
        features = features.float().mean(dim=1)
    outs = [
        model(features[i : i + batch_size].float(), meta[i : i + batch_size])
        for i in range(0, features.shape[0], batch_size)
    ]
    return torch.cat([o[0] for o in outs]), torch.cat([o[1] for o in outs])


def _calibration_split(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Train/held-out row indices, grouped by artwork so copies do not leak into held-out."""
    n = len(examples)
    if fraction <= 0 or n < 20:
        return np.arange(n), np.arange(0)
    keys = sorted({artwork_key(e) for e in examples})
    rng = np.random.default_rng(seed)
    held = set(rng.permutation(len(keys))[: max(1, round(fraction * len(keys)))].tolist())
    key_idx = {k: i for i, k in enumerate(keys)}
    mask = np.array([key_idx[artwork_key(e)] in held for e in examples])
    return np.flatnonzero(~mask), np.flatnonzero(mask)


#: A warm start fine-tunes at this fraction of the learning rate, without warm-up.
WARM_LR = 0.5


def grown_network(base: TrainedModel, vocab: Vocab) -> MultimodalNet:
    """`base`'s network grown to `vocab` (built on base.vocab): new artists, decades and
    metadata values get fresh rows, everything it knew is kept; new decades start unlikely."""
    bc = base.model.config
    cfg = replace(
        bc, n_artists=len(vocab.artists), n_decades=len(vocab.decades),
        meta_sizes=vocab.meta_sizes(),
    )  # fmt: skip
    model, old = MultimodalNet(cfg), base.model
    index = {d: i for i, d in enumerate(vocab.decades)}
    decade_rows = [(index[d], j) for j, d in enumerate(base.vocab.decades) if d in index]
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
        heads = ((model.artist_head, old.artist_head, [(i, i) for i in range(bc.n_artists)]),
                 (model.decade_head, old.decade_head, decade_rows))  # fmt: skip
        for new, was, rows in heads:
            for i, j in rows:
                new.weight[i], new.bias[i] = was.weight[j], was.bias[j]
        copied = {i for i, _ in decade_rows}
        for i in range(len(vocab.decades)):
            if i not in copied:
                model.decade_head.weight[i] = 0.0
                model.decade_head.bias[i] = old.decade_head.bias.min() - 4.0
    return model


def fit_model(
    data: Batchable,
    vocab: Vocab,
    config: TrainConfig,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    start: TrainedModel | None = None,
) -> MultimodalNet:
    """Train on `data` with AdamW + cosine decay: a fresh network for `vocab`, or (a warm
    start) `start`'s network grown to it, at WARM_LR of the rate and without warm-up."""
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    steps = config.epochs * math.ceil(len(data) / config.batch_size)
    if start is not None:
        model, lr, warm = grown_network(start, vocab), config.lr * WARM_LR, 1
    else:
        feats = data.features.float()
        flat = feats.reshape(-1, feats.shape[-1])
        mcfg = ModelConfig(
            feature_dim=int(feats.shape[-1]),
            n_artists=max(len(vocab.artists), 1),
            n_decades=len(vocab.decades),
            meta_sizes=vocab.meta_sizes(),
            meta_hidden=config.meta_hidden,
            shared_hidden=config.shared_hidden,
            dropout=config.dropout,
            image_only=config.image_only,
        )
        model = MultimodalNet(mcfg)
        model.set_feature_stats(flat.mean(0), flat.std(0))
        lr, warm = config.lr, max(1, steps // 20)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=config.weight_decay, fused=True)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s / steps, 1.0))),
    )
    for epoch in range(config.epochs):
        loss = train_one_epoch(model, data, opt, sched, config, gen, cancel)
        progress(Progress(epoch + 1, config.epochs, f"epoch {epoch + 1}: loss {loss:.3f}"))
    model.eval()
    return model


def label_weights(examples: Sequence[Example]) -> torch.Tensor | None:
    """Each example's artist-label weight [N], or None when all count fully (the usual case)."""
    if all(e.weight == 1.0 for e in examples):
        return None
    return torch.tensor([e.weight for e in examples], dtype=torch.float32)


def train_head(
    examples: Sequence[Example],
    embeddings: np.ndarray,
    config: TrainConfig | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    backbone: str = "lite0",
    views: Sequence[str] = ("full",),
    base_vocab: Vocab | None = None,
    start: TrainedModel | None = None,
) -> TrainedModel:
    """Train the multimodal head on cached embeddings [N,D] (or [N,V,D]) and calibrate it.

    A grouped `calibration_fraction` of the artworks is held out to fit the temperatures and
    report held-out metrics. `start`: fine-tune that model instead (a warm start: its
    vocabulary, backbone and views are kept and grown). Raises Cancelled when `cancel` is set
    (checked every batch).
    """
    config = config or TrainConfig()
    if start is not None:
        base_vocab, backbone, views = start.vocab, start.backbone, start.views
    set_num_threads(config.num_threads)
    if len(examples) != len(embeddings):
        raise ValueError(f"{len(examples)} examples but {len(embeddings)} embeddings")
    vocab = Vocab.build(examples, base=base_vocab, first_decade=config.first_decade)
    a, d, m = vocab.encode(examples)
    feats = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
    tr, ho = _calibration_split(examples, config.calibration_fraction, config.seed)
    t_tr, t_ho = torch.from_numpy(tr), torch.from_numpy(ho)
    w = label_weights(examples)
    train = Batchable(feats[t_tr], a[t_tr], d[t_tr], m[t_tr], w[t_tr] if w is not None else None)
    model = fit_model(train, vocab, config, progress, cancel, start)
    ta = td = 1.0
    metrics: dict[str, float] = {"n_train": float(len(tr)), "n_holdout": float(len(ho))}
    if len(ho):
        # Calibrated on the painters' own hands: a qualified attribution is no sure label.
        own = a[t_ho] if w is None else torch.where(w[t_ho] < 1, IGNORE, a[t_ho])
        held = Batchable(feats[t_ho], own, d[t_ho], m[t_ho])
        za, zd = predict_logits(model, held.features, held.meta)
        ta, td = fit_temperature(za, held.artist), fit_temperature(zd, held.decade)
        known = held.artist != IGNORE
        if known.any():
            conf = F.softmax(za[known] / ta, 1).max(1).values.numpy()
            from heritage_desk.ml.calibration import expected_calibration_error

            hit = (za[known].argmax(1) == held.artist[known]).numpy()
            metrics["holdout_ece"] = expected_calibration_error(conf, hit)
    tm = TrainedModel(
        model=model,
        vocab=vocab,
        backbone=backbone,
        views=tuple(views),
        artist_temperature=ta,
        decade_temperature=td,
        metrics=metrics,
        data_hash=data_hash(examples, embeddings),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_config={**config.to_dict(), **({"warm_start": True} if start else {})},
    )
    if len(ho):
        from heritage_desk.ml.evaluate import evaluate_items, measure_reliability

        held_ex, held_feats = [examples[i] for i in ho], _mean_views(feats[t_ho])
        tm.range_levels = measure_range_levels(tm, held_ex, feats[t_ho])
        tm.reliability = measure_reliability(Predictor(tm), held_ex, held_feats, None, "training")
        # Scored as curators see it (the one evaluator); n_holdout already says how many.
        scored = evaluate_items(Predictor(tm), held_ex, held_feats)
        tm.metrics.update({f"holdout_{k}": v for k, v in scored.items() if k != "n"})
    if config.open_set_fraction > 0 and len(ho):
        probe = probe_open_set(examples, feats, vocab, tr, ho, config, cancel)
        tm.reliability = tm.reliability.merged(probe)
    return tm


def _mean_views(feats: torch.Tensor) -> np.ndarray:
    f = feats.float()
    return (f.mean(dim=1) if f.dim() == 3 else f).numpy()


def probe_open_set(
    examples: Sequence[Example],
    feats: torch.Tensor,
    vocab: Vocab,
    tr: np.ndarray,
    ho: np.ndarray,
    config: TrainConfig,
    cancel: CancelToken | None = None,
) -> Reliability:
    """Fit "none of the painters I know" on painters the model never saw: a probe network
    is trained without `open_set_fraction` of the artists (held out whole), then scored on
    their works (novel) and on held-out works of the others (known)."""
    from heritage_desk.ml.evaluate import measure_reliability

    names = sorted({artist_key(e.artist) for e in examples if e.artist})
    if len(names) < 5:
        return Reliability()
    rng = np.random.default_rng(config.seed + 1)
    out = set(rng.permutation(names)[: max(1, round(config.open_set_fraction * len(names)))])
    gone = np.array([artist_key(e.artist or "") in out for e in examples])
    keep_tr = tr[~gone[tr]]
    known_ho = ho[~gone[ho]]
    # As many novel rows as known ones: the prior states even odds; each catalogue's own fit
    # then says how many unknown painters it has.
    novel_rows = rng.permutation(np.flatnonzero(gone))[: max(len(known_ho), 1)]
    test = np.concatenate([known_ho, np.sort(novel_rows)])
    a, d, m = vocab.encode(examples)
    idx = torch.from_numpy(keep_tr)
    w = label_weights(examples)
    rows = Batchable(feats[idx], a[idx], d[idx], m[idx], w[idx] if w is not None else None)
    net = fit_model(rows, vocab, config, cancel=cancel)
    probe = TrainedModel(model=net, vocab=vocab, backbone="probe")
    t = torch.from_numpy(test)
    with torch.no_grad():
        za, _ = predict_logits(net, feats[t], m[t])
    probe.artist_temperature = fit_temperature(
        za, a[t].masked_fill(torch.from_numpy(gone[test]), IGNORE)
    )
    rel = measure_reliability(
        Predictor(probe), [examples[i] for i in test], _mean_views(feats[t]), gone[test], "training"
    )
    return Reliability(open_set=rel.open_set)


def measure_range_levels(
    tm: TrainedModel, held: Sequence[Example], feats: np.ndarray | torch.Tensor
) -> tuple[tuple[float, float], ...]:
    """Measure on held-out artworks how often year ranges of each mass hold the truth.

    Rows whose image_path starts with "exemplar:" (a starter's stand-ins) count only when
    there are too few of the collection's own: ranges are calibrated on the catalogue itself.
    """
    rows = [i for i, e in enumerate(held) if e.year is not None]
    own = [i for i in rows if not held[i].image_path.startswith("exemplar:")]
    rows = own if len(own) >= 30 else rows
    if not rows:
        return ()
    idx = torch.tensor(rows)
    x = torch.as_tensor(np.asarray(feats, dtype=np.float32))[idx]
    _, _, meta = tm.vocab.encode([held[i] for i in rows])
    za, zd = predict_logits(tm.model, x, meta)
    pa = F.softmax(za / tm.artist_temperature, 1).double().numpy()
    pd = F.softmax(zd / tm.decade_temperature, 1).double().numpy()
    years = np.array([held[i].year for i in rows], dtype=np.int64)
    return fit_range_levels(Predictor(tm), pa, pd, years)
