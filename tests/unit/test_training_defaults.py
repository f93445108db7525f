"""A newcomer's first training run gets the backbone the app's starter model uses."""

from __future__ import annotations

import json
from pathlib import Path

from training import crossval, embed, train

STARTER = Path(__file__).parents[2] / "resources" / "models" / "starter.json"


def test_train_defaults_to_the_starters_backbone() -> None:
    starter = json.loads(STARTER.read_text(encoding="utf-8"))["backbone"]
    args = train.get_args_parser().parse_args(["--data", "d", "--out", "m.safetensors"])
    assert train.backbone_for(args.mode, args.backbone) == starter == "lite0-ms"
    assert train.backbone_for("finetune", None) == "lite0"  # the -ms pooling is head-only
    assert train.backbone_for("head", "lite2") == "lite2"


def test_crossval_and_embed_default_to_the_same_backbone() -> None:
    assert crossval.get_args_parser().parse_args(["--data", "d"]).backbone == "lite0-ms"
    assert 'default="lite0-ms"' in Path(embed.__file__).read_text(encoding="utf-8")
