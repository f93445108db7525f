"""Our head against a linear peer and kNN on the same grouped folds and the same features.

python -m training.compare --data DIR --subset top15 [--backbone lite0-ms] [--folds 5]
    [--max-folds N] [--set KEY=VALUE ...] [--json OUT]

Every model sees the same artwork-grouped folds (training/data.py) and the same cached
embeddings; "multimodal" adds the one-hot genre/style/medium the head's metadata branch reads.
The peers (scikit-learn, the `train` extra) are what the head must beat to earn its place:
- linear: StandardScaler + multinomial LogisticRegression (C=0.05), the issue's baseline;
- knn: 10 nearest neighbours by cosine distance on the standardised features, distance-weighted.
And `ensemble`: the mean probabilities of --ensemble heads that differ only in their seed (a
candidate for the head; not what the app ships).
Scores: artist top-1, macro F1, ECE of the top-1 probability, fit seconds (shared machine: noisy).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from heritage_desk.ml import Predictor, TrainConfig, train_head
from heritage_desk.ml.data import Example
from heritage_desk.ml.metrics import artist_metrics
from heritage_desk.ml.model import META_FIELDS
from heritage_desk.ml.runtime import set_num_threads
from training.data import DEFAULT_CACHE, grouped_folds, read_examples
from training.train import _overrides, stacked_views

#: Artist probabilities [N_test, n_artists] from (train examples, features, test ..., with fields).
Fitter = Callable[[list[Example], np.ndarray, list[Example], np.ndarray, bool], np.ndarray]


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--subset-file")
    p.add_argument("--subset")
    p.add_argument("--backbone", default="lite0-ms")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--max-folds", type=int, help="stop after this many folds (quick runs)")
    p.add_argument(
        "--models", default="head,linear,knn", help="comma-separated: head, ensemble, linear, knn"
    )
    p.add_argument("--ensemble", type=int, default=5, help="heads in the ensemble model")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="head config")
    p.add_argument("--linear-c", type=float, default=0.05)
    p.add_argument("--knn-k", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cache", default=str(DEFAULT_CACHE))
    p.add_argument("--json", help="write per-fold and summary metrics here")
    return p


def one_hot_fields(train: Sequence[Example], test: Sequence[Example]) -> tuple[np.ndarray, ...]:
    """One-hot genre/style/medium for both splits, vocabularies from the training split only."""
    vocab = {f: sorted({getattr(e, f) for e in train if getattr(e, f)}) for f in META_FIELDS}
    index = {f: {v: i for i, v in enumerate(vals)} for f, vals in vocab.items()}
    width = sum(len(v) for v in vocab.values())

    def encode(rows: Sequence[Example]) -> np.ndarray:
        out = np.zeros((len(rows), width), dtype=np.float32)
        for r, e in enumerate(rows):
            offset = 0
            for f in META_FIELDS:
                j = index[f].get(getattr(e, f) or "")
                if j is not None:
                    out[r, offset + j] = 1.0
                offset += len(vocab[f])
        return out

    return encode(train), encode(test)


def _inputs(
    ex_tr: list[Example], x_tr: np.ndarray, ex_te: list[Example], x_te: np.ndarray, meta: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Standardised features (statistics of the training split), plus one-hot fields if `meta`."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(x_tr)
    a, b = scaler.transform(x_tr), scaler.transform(x_te)
    if meta:
        m_tr, m_te = one_hot_fields(ex_tr, ex_te)
        a, b = np.hstack([a, m_tr]), np.hstack([b, m_te])
    return a.astype(np.float32), b.astype(np.float32)


def _spread(probs: np.ndarray, classes: np.ndarray, n: int) -> np.ndarray:
    """Columns of a scikit-learn predict_proba placed at their artist index (absent ones 0)."""
    out = np.zeros((probs.shape[0], n), dtype=np.float64)
    out[:, classes] = probs
    return out


def fit_linear(c: float) -> Fitter:
    """The issue's linear peer: StandardScaler + LogisticRegression."""

    def fit(ex_tr, x_tr, ex_te, x_te, meta):  # type: ignore[no-untyped-def]
        from sklearn.linear_model import LogisticRegression

        a, b = _inputs(ex_tr, x_tr, ex_te, x_te, meta)
        y, n = _artist_targets(ex_tr)
        lr = LogisticRegression(C=c, max_iter=300).fit(a, y)
        return _spread(lr.predict_proba(b), lr.classes_, n)

    return fit


def fit_knn(k: int) -> Fitter:
    """k nearest neighbours by cosine distance, weighted by 1/distance."""

    def fit(ex_tr, x_tr, ex_te, x_te, meta):  # type: ignore[no-untyped-def]
        from sklearn.neighbors import KNeighborsClassifier

        a, b = _inputs(ex_tr, x_tr, ex_te, x_te, meta)
        y, n = _artist_targets(ex_tr)
        knn = KNeighborsClassifier(k, metric="cosine", weights="distance").fit(a, y)
        return _spread(knn.predict_proba(b), knn.classes_, n)

    return fit


def fit_head(base: TrainConfig, backbone: str) -> Fitter:
    """Our head (heritage_desk.ml.train_head), scored through the predictor curators see."""

    def fit(ex_tr, x_tr, ex_te, x_te, meta):  # type: ignore[no-untyped-def]
        tm = train_head(ex_tr, x_tr, replace(base, image_only=not meta), backbone=backbone)
        predictor = Predictor(tm)
        ctx = [{f: getattr(e, f) for f in META_FIELDS} if meta else None for e in ex_te]
        pa, _ = predictor.probabilities(x_te, ctx)
        order = [predictor.vocab.artist_index(a) for a in _ARTISTS]
        return np.stack([pa[:, i] if i is not None else np.zeros(len(ex_te)) for i in order], 1)

    return fit


def fit_ensemble(base: TrainConfig, backbone: str, n: int) -> Fitter:
    """The mean artist probabilities of `n` heads trained with seeds 0..n-1."""

    def fit(ex_tr, x_tr, ex_te, x_te, meta):  # type: ignore[no-untyped-def]
        heads = [fit_head(replace(base, seed=base.seed + s), backbone) for s in range(n)]
        return np.mean([h(ex_tr, x_tr, ex_te, x_te, meta) for h in heads], axis=0)

    return fit


#: Artist names of the current run in one fixed order: every model's columns follow it.
_ARTISTS: list[str] = []


def _artist_targets(ex: Sequence[Example]) -> tuple[np.ndarray, int]:
    """Artist index per example in the run's fixed order, and the number of artists."""
    pos = {a: i for i, a in enumerate(_ARTISTS)}
    return np.array([pos[e.artist] for e in ex if e.artist], dtype=np.int64), len(_ARTISTS)


def scores(probs: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Top-1, macro F1 and ECE of one model's artist probabilities."""
    m = artist_metrics(probs, truth)
    return {"top1": m["artist_top1"], "f1": m["artist_f1"], "ece": m["ece"]}


def main(argv: list[str] | None = None) -> dict[str, dict[str, list[float]]]:
    a = get_args_parser().parse_args(argv)
    set_num_threads(a.threads)
    ex = [e for e in read_examples(a.data, a.subset_file, a.subset) if e.artist]
    _ARTISTS[:] = sorted({e.artist for e in ex if e.artist})
    x = stacked_views(ex, a.backbone, ("full",), a.cache)
    folds = grouped_folds(ex, a.folds)
    base = TrainConfig(**_overrides(TrainConfig, a.set, num_threads=a.threads))  # type: ignore[arg-type]
    fitters: dict[str, Fitter] = {
        "head": fit_head(base, a.backbone),
        "ensemble": fit_ensemble(base, a.backbone, a.ensemble),
        "linear": fit_linear(a.linear_c),
        "knn": fit_knn(a.knn_k),
    }
    chosen = a.models.split(",")
    results: dict[str, dict[str, list[float]]] = {}
    for k in range(min(a.folds, a.max_folds or a.folds)):
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        ex_tr, ex_te = [ex[i] for i in tr], [ex[i] for i in te]
        truth, _ = _artist_targets(ex_te)
        for name in chosen:
            for meta in (False, True):
                t0 = time.perf_counter()
                probs = fitters[name](ex_tr, x[tr], ex_te, x[te], meta)
                m = scores(probs, truth) | {"fit_seconds": time.perf_counter() - t0}
                row = f"{name} {'multimodal' if meta else 'image-only'}"
                for key, val in m.items():
                    results.setdefault(row, {}).setdefault(key, []).append(val)
                print(
                    f"fold {k} {row}: top1 {m['top1']:.3f} f1 {m['f1']:.3f} "
                    f"ece {m['ece']:.3f} ({m['fit_seconds']:.1f} s)",
                    flush=True,
                )
    n_folds = a.max_folds or a.folds
    print(f"\n{a.subset or 'all'} {a.backbone}, {n_folds} grouped folds, set={a.set}")
    print("| model | top-1 | macro F1 | ECE | fit s |")
    print("| --- | --- | --- | --- | --- |")
    for row, r in results.items():
        cells = [f"{np.mean(r[k]):.3f} ± {np.std(r[k]):.3f}" for k in ("top1", "f1", "ece")]
        print(f"| {row} | " + " | ".join(cells) + f" | {np.median(r['fit_seconds']):.1f} |")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({"args": vars(a), "results": results}, indent=1))
    return results


if __name__ == "__main__":
    main()
