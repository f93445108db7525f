"""The child's training steps: load cached embeddings, fine-tune or train a head, evaluate.

Run in the retrain child only (heritage_desk.services.retrain_child); numpy, torch and
heritage_desk.ml are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from heritage_desk.services.retrain_manifest import ManifestItem

#: Optimiser steps a retrain aims for at least, and the most epochs (see adaptive_epochs).
TARGET_STEPS = 150
MAX_EPOCHS = 30
#: Rows per starter artist its exemplars count as (repeated), and the most repeats.
EXEMPLAR_WEIGHT = 24
MAX_EXEMPLAR_REPEAT = 4
#: Epochs of a warm start (fine-tuning the active model), and its learning-rate factor.
WARM_EPOCHS = 4
WARM_LR = 0.5


def examples_of(items: Sequence[ManifestItem]) -> list[Any]:
    """Manifest items as training examples (the checksum keys the embedding)."""
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


def measure_on_holdout(tm: Any, feats: Any, hold: Sequence[ManifestItem], trained: Any) -> Any:
    """The new model's stated figures measured on the works it held out: "none of the painters
    I know" (a held-out painter with no training work is one it does not know) and the year
    ranges; where too few held-out works exist, the starter's fit is kept."""
    import numpy as np

    from heritage_desk.core.names import parse_artist
    from heritage_desk.ml.evaluate import measure_reliability
    from heritage_desk.ml.predictor import Predictor

    seen = {parse_artist(e.artist).key for e in trained if e.artist}
    novel = np.array(
        [bool(i.artist) and parse_artist(i.artist or "").key not in seen for i in hold]
    )
    return measure_reliability(
        Predictor(tm), examples_of(hold), feats, novel, "catalogue", prior=tm.reliability
    )


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
    from heritage_desk.ml.model import META_FIELDS, MultimodalNet
    from heritage_desk.ml.train import (
        Batchable,
        data_hash,
        measure_range_levels,
        predict_logits,
        train_one_epoch,
    )
    from heritage_desk.ml.trained import TrainedModel
    from heritage_desk.ml.vocab import Vocab

    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    vocab = Vocab.build(examples, base=base.vocab)
    bc = base.model.config
    # The base's network, grown to the new vocabulary.
    cfg = dataclasses.replace(
        bc,
        n_artists=len(vocab.artists),
        n_decades=len(vocab.decades),
        meta_sizes=vocab.meta_sizes(),
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
    with torch.no_grad():  # decades the base never had start unlikely, not at random
        copied = {index[d] for d in base.vocab.decades if d in index}
        for i in range(len(vocab.decades)):
            if i not in copied:
                model.decade_head.weight[i] = 0.0
                model.decade_head.bias[i] = old.decade_head.bias.min() - 4.0
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
    tm = TrainedModel(
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
    if len(ho):
        held = [examples[i] for i in ho.tolist()]
        tm.range_levels = measure_range_levels(tm, held, feats[ho])
    return tm
