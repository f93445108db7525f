"""Five-fold cross-validation grouped by artwork, multimodal and image-only side by side.

python -m training.crossval --data DIR [--subset-file F --subset NAME] [--backbone B]
    [--views full,flip] [--folds 5] [--set KEY=VALUE ...] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from heritage_desk.ml import Predictor, TrainConfig, train_head
from heritage_desk.ml.runtime import set_num_threads
from training.data import DEFAULT_CACHE, grouped_folds, read_examples
from training.evaluate import score
from training.train import _overrides, stacked_views

KEYS = [
    "artist_top1",
    "artist_top5",
    "artist_precision",
    "artist_recall",
    "artist_f1",
    "year_decade_accuracy",
    "year_mae",
    "year_mae_known_artist",
    "year_mae_artist_named",
    "ece",
    "year_range_coverage",
    "artist_top1_dated",
    "artist_top1_date_known",
    "unknown_auroc",
    "unknown_auroc_top",
    "unknown_auroc_entropy",
    "unknown_ece",
]


def auroc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties halved."""
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    s = score[order]
    i = 0
    while i < len(s):  # average ranks of ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n1, n0 = int(positive.sum()), int((~positive).sum())
    if not n1 or not n0:
        return float("nan")
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def open_set_scores(
    pred: Predictor, ex: list, x: np.ndarray, novel: np.ndarray, use_context: bool
) -> dict[str, float]:
    """How well p("none of the painters I know") tells held-out artists' works from the rest,
    and (for comparison) two other signals the app could fit it on: a low top calibrated
    artist probability and a high entropy of the artist probabilities (the app's map is
    fitted on the energy of the logits)."""
    from heritage_desk.ml.calibration import expected_calibration_error
    from heritage_desk.ml.evaluate import contexts_of

    ctx = contexts_of(ex) if use_context else [None] * len(ex)
    _, pu, _ = pred.open_probabilities(x, ctx)
    pa, _, _ = pred.scores(x, ctx)
    conf = np.where(pu >= 0.5, pu, 1 - pu)
    return {
        "unknown_auroc": auroc(pu, novel),
        "unknown_auroc_top": auroc(-pa.max(1), novel),
        "unknown_auroc_entropy": auroc(-(pa * np.log(np.maximum(pa, 1e-12))).sum(1), novel),
        "unknown_ece": expected_calibration_error(conf, (pu >= 0.5) == novel),
        "n_novel": float(novel.sum()),
    }


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--subset-file")
    p.add_argument("--subset")
    p.add_argument("--backbone", default="lite0-ms")
    p.add_argument("--views", default="full")
    p.add_argument("--slice", type=int, help="use only the first N feature dims (ablation)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--max-folds", type=int, help="stop after this many folds (quick ablations)")
    p.add_argument("--only", choices=["multimodal", "image-only"], help="run one variant")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cache", default=str(DEFAULT_CACHE))
    p.add_argument("--json", help="write per-fold and summary metrics here")
    p.add_argument(
        "--artists-out",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="also hold out this share of the artists whole in each fold (a different group per "
        "fold): their works test 'none of the painters I know' (AUROC against the others' works)",
    )
    return p


def main(argv: list[str] | None = None) -> dict[str, dict[str, list[float]]]:
    a = get_args_parser().parse_args(argv)
    set_num_threads(a.threads)
    ex = read_examples(a.data, a.subset_file, a.subset)
    views = tuple(a.views.split(","))
    x = stacked_views(ex, a.backbone, views, a.cache)
    if a.slice:
        x = np.ascontiguousarray(x[..., : a.slice])
    folds = grouped_folds(ex, a.folds)
    base = TrainConfig(**_overrides(TrainConfig, a.set, num_threads=a.threads))  # type: ignore[arg-type]
    if a.artists_out > 0 and not any(kv.startswith("open_set_fraction=") for kv in a.set):
        base = replace(base, open_set_fraction=0.2)  # the starter's probe (MODEL_CARD.md)
    variants = {"multimodal": False, "image-only": True}
    if a.only:
        variants = {a.only: variants[a.only]}
    results: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    names = sorted({e.artist for e in ex if e.artist})
    perm = np.random.default_rng(0).permutation(len(names))
    for k in range(min(a.folds, a.max_folds or a.folds)):
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        novel = np.zeros(len(ex), dtype=bool)
        if a.artists_out > 0:  # artists held out whole: never trained on, tested on every work
            n_out = max(1, round(a.artists_out * len(names)))
            out = {names[i] for i in np.roll(perm, -k * n_out)[:n_out]}
            novel = np.array([e.artist in out for e in ex])
            tr, te = tr[~novel[tr]], np.concatenate([te[~novel[te]], np.flatnonzero(novel)])
        ex_tr, ex_te = [ex[i] for i in tr], [ex[i] for i in te]
        x_te = x[te].mean(axis=1) if x.ndim == 3 else x[te]
        for name, image_only in variants.items():
            t0 = time.perf_counter()
            tm = train_head(
                ex_tr, x[tr], replace(base, image_only=image_only), backbone=a.backbone, views=views
            )
            secs = time.perf_counter() - t0
            pred = Predictor(tm)
            known_te = ~novel[te]
            m, _ = score(
                pred,
                [e for e, keep in zip(ex_te, known_te, strict=True) if keep],
                x_te[known_te],
                use_context=not image_only,
            )
            if novel.any():
                m.update(open_set_scores(pred, ex_te, x_te, novel[te], not image_only))
            m["train_seconds"] = secs
            for key, val in m.items():
                results[name].setdefault(key, []).append(val)
            print(
                f"fold {k} {name}: top1 {m['artist_top1']:.3f} mae {m['year_mae']:.1f} "
                f"ece {m['ece']:.3f} unknown AUROC {m.get('unknown_auroc', float('nan')):.3f} "
                f"({secs:.1f} s)",
                flush=True,
            )
    print(f"\n{a.subset or 'all'} {a.backbone} views={a.views} slice={a.slice} set={a.set}")
    print("| variant | " + " | ".join(KEYS) + " |")
    for name, r in results.items():
        cells = [f"{np.mean(r[k]):.3f} ± {np.std(r[k]):.3f}" if k in r else "-" for k in KEYS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({"args": vars(a), "results": results}, indent=1))
    return results


if __name__ == "__main__":
    main()
