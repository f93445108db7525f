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
    "ece",
    "year_range_coverage",
    "artist_top1_dated",
    "artist_top1_date_known",
]


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
    variants = {"multimodal": False, "image-only": True}
    if a.only:
        variants = {a.only: variants[a.only]}
    results: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    for k in range(min(a.folds, a.max_folds or a.folds)):
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        ex_tr, ex_te = [ex[i] for i in tr], [ex[i] for i in te]
        x_te = x[te].mean(axis=1) if x.ndim == 3 else x[te]
        for name, image_only in variants.items():
            t0 = time.perf_counter()
            tm = train_head(
                ex_tr, x[tr], replace(base, image_only=image_only), backbone=a.backbone, views=views
            )
            secs = time.perf_counter() - t0
            m, _ = score(Predictor(tm), ex_te, x_te, use_context=not image_only)
            m["train_seconds"] = secs
            for key, val in m.items():
                results[name].setdefault(key, []).append(val)
            print(
                f"fold {k} {name}: top1 {m['artist_top1']:.3f} mae {m['year_mae']:.1f} "
                f"ece {m['ece']:.3f} ({secs:.1f} s)",
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
