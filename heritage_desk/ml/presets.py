"""Image loading and the train/eval transforms (torchvision references' presets.py)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import torch
from PIL import Image, ImageOps
from torchvision.transforms import v2 as T

from heritage_desk.ml.backbones import BackboneSpec

#: Views the embedding cache knows: the whole image squashed to a square, and its mirror.
#: Squashing (not cropping) matches WikiArt, whose images the source already squashed.
#: "full@288" / "flip@288" use another input size (multi-scale).
VIEWS = ("full", "flip")


def parse_view(view: str) -> tuple[str, int | None]:
    """('full', None) for 'full'; ('flip', 288) for 'flip@288'; ValueError otherwise."""
    base, at, size = view.partition("@")
    if base not in VIEWS or (at and not (size.isdigit() and 32 <= int(size) <= 1024)):
        raise ValueError(f"unknown view {view!r}; known: {VIEWS}, optionally @SIZE")
    return base, int(size) if size else None


class ImageLoadError(ValueError):
    """An image file could not be decoded; the message names the file and the reason."""


def load_image(path: str | Path) -> Image.Image:
    """Decode an image as RGB with EXIF rotation applied; bombs and broken files raise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as raw:
                raw.load()
                im: Image.Image = ImageOps.exif_transpose(raw)
                if im.mode != "RGB":
                    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                        im = im.point(lambda v: v / 256).convert("L")
                    im = im.convert("RGB")
                return im
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(f"{path}: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(f"{path}: {exc}") from exc


def _normalize(spec: BackboneSpec) -> list[Callable[..., torch.Tensor]]:
    return [
        T.ToImage(),
        T.ToDtype(torch.float32, scale=True),
        T.Normalize(list(spec.mean), list(spec.std)),
    ]


def embed_transform(spec: BackboneSpec, view: str = "full") -> T.Compose:
    """Deterministic transform for one cached embedding view."""
    base, override = parse_view(view)
    size = override or spec.input_size
    ops: list[Callable[..., torch.Tensor]] = [T.Resize((size, size), antialias=True)]
    if base == "flip":
        ops.append(T.RandomHorizontalFlip(p=1.0))
    return T.Compose(ops + _normalize(spec))


def paper_train_transform(spec: BackboneSpec, short_side: int = 300) -> T.Compose:
    """The paper's training preset: short side to 300, random crop, horizontal flip."""
    return T.Compose(
        [
            T.Resize(short_side, antialias=True),
            T.RandomCrop(spec.input_size),
            T.RandomHorizontalFlip(),
            *_normalize(spec),
        ]
    )


def paper_eval_transform(spec: BackboneSpec, short_side: int = 300) -> T.Compose:
    """The paper's evaluation preset: short side to 300, center crop."""
    return T.Compose(
        [T.Resize(short_side, antialias=True), T.CenterCrop(spec.input_size), *_normalize(spec)]
    )
