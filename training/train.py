"""Train a suggestion model on a dataset folder (labels.csv next to the images).

python -m training.train --data DIR [--subset-file F --subset NAME] --mode {head,finetune}
    [--backbone B] [--image-only] --out PATH
Finetune on several processes: torchrun --nproc_per_node N -m training.train --mode finetune ...
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import fields

import numpy as np

from heritage_desk.core.progress import Progress
from heritage_desk.ml import TrainConfig, save_checkpoint, train_head
from heritage_desk.ml.backbones import backbone_spec, load_backbone
from heritage_desk.ml.exemplars import attach_exemplars
from heritage_desk.ml.finetune import FinetuneConfig, finetune
from heritage_desk.ml.runtime import set_num_threads
from training.data import DEFAULT_CACHE, embed_examples, read_examples

#: The backbone of the app's suggestions and of the starter model.
DEFAULT_BACKBONE = "lite0-ms"


def backbone_for(mode: str, given: str | None) -> str:
    """The backbone a run uses: the one given, else the app's (head) or plain Lite0 (finetune)."""
    return given or (DEFAULT_BACKBONE if mode == "head" else "lite0")


def stacked_views(ex: list, backbone: str, views: tuple[str, ...], cache: str) -> np.ndarray:  # type: ignore[type-arg]
    """[N,D] for one view, [N,V,D] for several (training picks a random view per step).

    "lite0-ms+lite2-ms" concatenates the features of both backbones (an ablation).
    """
    arrs = [
        np.concatenate([embed_examples(ex, b, (v,), cache) for b in backbone.split("+")], axis=-1)
        for v in views
    ]
    return arrs[0] if len(arrs) == 1 else np.stack(arrs, axis=1)


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--subset-file")
    p.add_argument("--subset")
    p.add_argument("--mode", choices=["head", "finetune"], default="head")
    p.add_argument(
        "--backbone",
        help="default: lite0-ms in head mode (what the app and the starter use), lite0 to finetune",
    )
    p.add_argument("--views", default="full", help="head mode: comma-separated views")
    p.add_argument("--image-only", action="store_true")
    p.add_argument("--epochs", type=int)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a TrainConfig/FinetuneConfig field, e.g. --set lr=0.001",
    )
    p.add_argument("--weights", help="pretrained backbone weights file (torchvision backbones)")
    p.add_argument("--threads", type=int)
    p.add_argument("--cache", default=str(DEFAULT_CACHE))
    p.add_argument(
        "--exemplars",
        type=int,
        default=0,
        metavar="N",
        help="head mode: keep N embeddings per artist in the checkpoint for retraining",
    )
    p.add_argument("--half", action="store_true", help="store weights as float16 (shipping)")
    p.add_argument("--out", required=True)
    return p


def _overrides(cls: type, pairs: list[str], **extra: object) -> dict[str, object]:
    types = {f.name: f.type for f in fields(cls)}
    out: dict[str, object] = {k: v for k, v in extra.items() if v is not None}
    for pair in pairs:
        k, _, v = pair.partition("=")
        if k not in types:
            raise SystemExit(f"unknown setting {k!r}; known: {', '.join(types)}")
        out[k] = json.loads(v) if v not in ("", "None") else None
    return out


def report(p: Progress) -> None:
    print(json.dumps({"progress": p.done, "total": p.total, "message": p.message}), flush=True)


def main(argv: list[str] | None = None) -> None:
    a = get_args_parser().parse_args(argv)
    a.backbone = backbone_for(a.mode, a.backbone)
    set_num_threads(a.threads)
    ex = read_examples(a.data, a.subset_file, a.subset)
    t0 = time.perf_counter()
    if a.mode == "head":
        views = tuple(a.views.split(","))
        x = stacked_views(ex, a.backbone, views, a.cache)
        t0 = time.perf_counter()
        cfg = TrainConfig(
            **_overrides(
                TrainConfig,
                a.set,
                epochs=a.epochs,  # type: ignore[arg-type]
                image_only=a.image_only or None,
                num_threads=a.threads,
            )
        )
        tm = train_head(ex, x, cfg, progress=report, backbone=a.backbone, views=views)
        if a.exemplars:
            attach_exemplars(tm, ex, x, per_artist=a.exemplars)
    else:
        fcfg = FinetuneConfig(
            **_overrides(
                FinetuneConfig,
                a.set,
                epochs=a.epochs,  # type: ignore[arg-type]
                image_only=a.image_only or None,
            )
        )
        net = load_backbone(a.backbone, a.weights)
        ft = finetune(
            ex,
            net,
            backbone_spec(a.backbone).feature_dim,
            fcfg,
            progress=report,
            backbone_name=a.backbone,
        )
        if ft is None:  # not rank 0
            return
        tm = ft
    save_checkpoint(tm, a.out, half=a.half)
    print(
        json.dumps(
            {"done": a.out, "seconds": round(time.perf_counter() - t0, 2), "metrics": tm.metrics}
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
