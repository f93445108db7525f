"""Thumbnails and display-size previews made with Pillow, cached on disk by content checksum."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from PIL import Image, ImageOps

from heritage_desk.core.atomic import atomic_write
from heritage_desk.storage.images import not_a_file

log = logging.getLogger(__name__)

#: Edge of a grid thumbnail, pixels.
THUMB_SIZE = 256
#: Edge of the detail panel's preview, pixels (zoom beyond this shows the original).
PREVIEW_SIZE = 1600


class ThumbnailError(Exception):
    """An image that cannot be made into a thumbnail (corrupt, too large, missing)."""


def _cache_key(image_path: str | Path, checksum: str | None) -> str:
    """The checksum when known; otherwise a hash of the path, size and modification time."""
    if checksum:
        return checksum
    p = Path(image_path)
    try:
        st = p.stat()
        stamp = f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    except OSError:
        stamp = str(p)
    return hashlib.sha1(stamp.encode()).hexdigest()


def render(image_path: str | Path, size: int) -> Image.Image:
    """Decode `image_path` at no more than `size` pixels on its long edge, upright, in RGB."""
    reason = not_a_file(image_path)
    if reason:  # opening a FIFO blocks until someone writes into it: a thumbnail thread hung
        raise ThumbnailError(f"{image_path}: {reason}")
    try:
        img = Image.open(image_path)
    except FileNotFoundError as exc:
        raise ThumbnailError(f"{image_path}: file not found") from exc
    except (OSError, Image.DecompressionBombError) as exc:
        raise ThumbnailError(f"{image_path}: {exc}") from exc
    with img:
        return _shrink(img, image_path, size)


def _shrink(img: Image.Image, image_path: str | Path, size: int) -> Image.Image:
    """The decoded, upright, RGB image at no more than `size` pixels."""
    w, h = img.size
    # Pillow only warns between 1x and 2x the limit; warnings are not thread-safe, so check.
    limit = Image.MAX_IMAGE_PIXELS
    if limit and w * h > limit:
        raise ThumbnailError(f"{image_path}: {w}x{h} exceeds the decompression-bomb limit")
    try:
        # JPEG draft mode decodes at 1/2..1/8 scale: a 12 MP file in ~15 ms instead of ~150.
        img.draft("RGB", (size, size))
        img = ImageOps.exif_transpose(img)
        if img.mode.startswith("I") or img.mode == "F":
            img = _to_8_bit(img)
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGBA").convert("RGB") if "A" in img.mode else img.convert("RGB")
        img.thumbnail((size, size), Image.Resampling.LANCZOS)
        return img.convert("RGB") if img.mode != "RGB" else img.copy()
    except (OSError, ValueError, SyntaxError) as exc:
        raise ThumbnailError(f"{image_path}: {exc}") from exc


def _to_8_bit(img: Image.Image) -> Image.Image:
    """A 16-bit or 32-bit greyscale scan stretched over 0..255 (a plain convert clips at 255:
    a 16-bit scan came out almost all white)."""
    img = img.convert("F")
    extrema = img.getextrema()  # (min, max) for a one-band image
    lo, hi = float(extrema[0]), float(extrema[1])  # type: ignore[arg-type]
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    return img.point(lambda v: (v - lo) * scale).convert("L")


class ThumbnailCache:
    """A folder of JPEG thumbnails named by checksum and size; safe for several threads."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path_for(self, image_path: str | Path, checksum: str | None, size: int) -> Path:
        """Where the thumbnail of this image at this size lives (it may not exist yet)."""
        key = _cache_key(image_path, checksum)
        return self.root / str(size) / key[:2] / f"{key}.jpg"

    def get(self, image_path: str | Path, checksum: str | None, size: int = THUMB_SIZE) -> Path:
        """The cached thumbnail file, made first if missing."""
        target = self.path_for(image_path, checksum, size)
        if not target.exists():
            self._make(image_path, target, size)
        return target

    def get_bytes(
        self, image_path: str | Path, checksum: str | None, size: int = THUMB_SIZE
    ) -> bytes:
        """The cached thumbnail's JPEG bytes, made first if missing (without reading it back)."""
        target = self.path_for(image_path, checksum, size)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            return self._make(image_path, target, size)

    def _make(self, image_path: str | Path, target: Path, size: int) -> bytes:
        """Render, encode and store one thumbnail; returns its bytes."""
        buf = io.BytesIO()
        render(image_path, size).save(buf, "JPEG", quality=88)
        data = buf.getvalue()
        target.parent.mkdir(parents=True, exist_ok=True)
        # A reader never sees half a file; a cache, so no fsync (a short file is re-rendered).
        with atomic_write(target, "wb", durable=False) as fh:
            fh.write(data)
        return data

    def clear_temp(self) -> int:
        """Delete temp files a crash left behind; returns how many."""
        n = 0
        if self.root.exists():
            for tmp in self.root.rglob("*.tmp"):
                tmp.unlink(missing_ok=True)
                n += 1
        return n
