"""Decoding images for the embedding fast path: reduced-size JPEG decode, one pixel limit.

The reference path (presets.load_image) decodes every file at full size. Here a JPEG is
decoded by DCT scaling straight to at least twice the network's input size (a 4,000-px scan
at 1/4 or 1/8 scale: ~8x less CPU and memory), other formats at full size and shrunk at once,
so a batch holds only small images. Optionally the bytes are hashed on the way, so features
are never stored under a checksum the file no longer has (issue 16 item 9).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from heritage_desk.core.limits import MAX_IMAGE_PIXELS, pixel_problem
from heritage_desk.ml.presets import ImageLoadError

# Pillow refuses above twice its limit on its own; pixel_problem refuses above it, before decode.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

#: JPEGs are decoded at no less than this multiple of the input size (then resized as usual):
#: 2x keeps the antialiased resize's input close to the full-size one (features within 1e-3).
DRAFT_MARGIN = 2
_HIGH_DEPTH = ("I;16", "I;16B", "I;16L", "I;16N", "I")


class ImageChangedError(ImageLoadError):
    """The file's bytes no longer have the checksum recorded for it (edited or swapped)."""


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, hex, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_pixels(path: str | Path, im: Image.Image) -> None:
    """ImageLoadError naming the file when it is over the one shared pixel limit."""
    if problem := pixel_problem(*im.size):
        raise ImageLoadError(f"{path}: {problem}")


def load_small(path: str | Path, size: int, checksum: str | None = None) -> Image.Image:
    """An RGB image at least `size` on each side where the file allows, EXIF rotation applied.

    `checksum`, when given, is verified against the file's bytes first: ImageChangedError if
    the file changed since its checksum was recorded.
    """
    try:
        if checksum is not None and file_sha256(path) != checksum:
            raise ImageChangedError(
                f"{path}: file changed since import (checksum differs); not embedded"
            )
        # No warnings.catch_warnings here: it is not thread-safe, and this runs on decode
        # threads. Pillow only warns between 1x and 2x its limit (ours); we check ourselves.
        with Image.open(path) as raw:
            check_pixels(path, raw)
            if raw.format == "JPEG":
                side = DRAFT_MARGIN * size
                raw.draft("RGB", (side, side))
            raw.load()
            im: Image.Image = ImageOps.exif_transpose(raw)
            return _rgb(im, size)
    except ImageLoadError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(f"{path}: too large: over {MAX_IMAGE_PIXELS:,} pixels") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageLoadError(f"{path}: {exc}") from exc


def _rgb(im: Image.Image, size: int) -> Image.Image:
    """RGB as presets.load_image makes it; grey and RGB images shrunk first (same pixels)."""
    if im.mode in _HIGH_DEPTH:
        im = im.point(lambda v: v / 256).convert("L")
    if im.mode in ("L", "RGB") and min(im.size) > 4 * DRAFT_MARGIN * size:
        # Resizing per channel commutes with L -> RGB; reduce() keeps 2x margin like a draft.
        factor = min(im.size) // (DRAFT_MARGIN * size)
        im = im.reduce(factor)
    return im if im.mode == "RGB" else im.convert("RGB")


def to_array(im: Image.Image, size: int, flip: bool = False) -> np.ndarray:
    """[size, size, 3] uint8: squashed to a square as embed_transform does, optionally mirrored."""
    out = im.resize((size, size), Image.Resampling.BILINEAR)
    if flip:
        out = out.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return np.asarray(out, dtype=np.uint8)


def normalise(batch: np.ndarray, mean: tuple[float, ...], std: tuple[float, ...]) -> np.ndarray:
    """uint8 [B,H,W,3] -> float32 [B,3,H,W] normalised, the same arithmetic as the transforms."""
    x: np.ndarray = batch.astype(np.float32) / np.float32(255.0)
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)
