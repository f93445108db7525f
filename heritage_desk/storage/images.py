"""Image files: safe paths inside the images folder, validation and facts read with Pillow."""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from PIL import Image, ImageOps, UnidentifiedImageError

from heritage_desk.core.digest import file_sha256
from heritage_desk.core.limits import MAX_IMAGE_PIXELS as MAX_PIXELS
from heritage_desk.core.limits import pixel_problem

# Pillow warns above this and refuses above twice it; we turn its warning into an error too.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jfif", ".jpe", ".png", ".tif", ".tiff", ".webp", ".gif", ".bmp"}
)
#: Image types a museum share holds that Pillow cannot read here: named, with what to do.
UNSUPPORTED_SUFFIXES = {
    ".heic": "HEIC", ".heif": "HEIF", ".avif": "AVIF", ".jp2": "JPEG 2000", ".jxl": "JPEG XL",
    ".cr2": "camera raw", ".nef": "camera raw", ".arw": "camera raw", ".dng": "camera raw",
    ".psd": "Photoshop",
}  # fmt: skip
#: Above this many pixels a JPEG is checked by a reduced-size decode (DCT scaling): same data read.
_DRAFT_PIXELS = 4_000_000
_ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height
_HIGH_DEPTH_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I", "F", "RGB;16", "RGBA;16"}


class ImageProblem(Exception):
    """An image that cannot be imported; the message is one line."""


class UnsafePathError(ImageProblem):
    """A path that is absolute, climbs with "..", or leads outside the images folder."""


@dataclass(frozen=True)
class ImageFacts:
    """What import needs to know about one valid image."""

    path: Path
    checksum: str
    width: int  # as displayed (EXIF rotation applied)
    height: int
    format: str
    mode: str
    notes: tuple[str, ...] = ()


def safe_relative(text: str) -> str:
    """A CSV path as a clean relative POSIX path; UnsafePathError if absolute or using "..".."""
    raw = text.strip().replace("\\", "/")
    if not raw:
        raise UnsafePathError("empty path")
    if raw.startswith("/") or PureWindowsPath(text.strip()).drive or ":" in raw.split("/")[0]:
        raise UnsafePathError(f"absolute path {text.strip()!r} not allowed")
    parts = [p for p in PurePosixPath(raw).parts if p not in ("", ".")]
    if ".." in parts:
        raise UnsafePathError(f"path {text.strip()!r} climbs out with '..'")
    if not parts:
        raise UnsafePathError(f"path {text.strip()!r} names no file")
    return "/".join(parts)


def resolve_inside(root: Path, relative: str) -> Path:
    """The real file `relative` names under `root`; UnsafePathError if it resolves outside."""
    real_root = root.resolve()
    target = (real_root / safe_relative(relative)).resolve()
    if not target.is_relative_to(real_root):
        raise UnsafePathError(f"{relative!r} leads outside the images folder (symlink)")
    return target


def is_utf8(name: str) -> bool:
    """False for a name holding bytes that are not UTF-8 (decoded by Python as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def not_a_file(path: str | Path) -> str | None:
    """Why `path` is no file to read an image from (a named pipe, a device, a folder), or None
    (a regular file, or nothing there: callers say "not found" in their own words).

    Reading a FIFO blocks until another program writes into it: one swapped in for an image
    hung `suggest` for ever. Every reader of image files asks this first.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "a folder" if stat.S_ISDIR(mode)
        else "not a regular file"
    )  # fmt: skip
    return f"{kind}, not an image file: not read"


#: Characters that would break a report line, or hide in one: controls, line separators.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(32), *range(127, 160))} | {
    ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029",
}  # fmt: skip


def printable(name: str) -> str:
    """A file name fit for a one-line report: undecodable bytes written as \\xNN
    (`caf\\xe9.jpg`), a newline as \\n (`scan\\n2.jpg`: legal on Linux and macOS shares)."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text.translate(_ESCAPES)


def iter_image_files(root: Path) -> Iterator[tuple[str, Path | None, str]]:
    """(relative path, real path, "") per image under `root`, or (rel, None, reason) if unsafe."""
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(real_root, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        for d in list(dirnames):
            if (here / d).is_symlink():
                dirnames.remove(d)
                rel = (here / d).relative_to(real_root).as_posix()
                if not (here / d).resolve().is_relative_to(real_root):
                    yield rel, None, "symlinked folder leads outside the images folder; skipped"
        for name in sorted(filenames):
            kind = UNSUPPORTED_SUFFIXES.get(Path(name).suffix.lower())
            if kind is not None and not name.startswith("._"):
                rel = printable((here / name).relative_to(real_root).as_posix())
                yield rel, None, f"{kind} images cannot be read; convert it to JPEG or TIFF"
                continue
            if Path(name).suffix.lower() not in IMAGE_SUFFIXES or name.startswith("._"):
                continue
            p = here / name
            rel = p.relative_to(real_root).as_posix()
            real = p.resolve()
            if not is_utf8(rel):  # a catalogue stores text: this name cannot be kept or found
                yield printable(rel), None, "file name is not valid UTF-8; rename it to import it"
            elif not real.is_relative_to(real_root):
                yield rel, None, "symlink leads outside the images folder; skipped"
            elif not real.is_file():
                yield rel, None, not_a_file(real) or "not a regular file (broken link?); skipped"
            else:
                yield rel, real, ""


def _open_checked(source: Path | bytes) -> tuple[Image.Image, list[str]]:
    """Open and fully decode the first frame; raise ImageProblem with one line on failure."""
    notes: list[str] = []
    with warnings.catch_warnings():
        # Between 1x and 2x the limit Pillow only warns; pixel_problem refuses with the size,
        # in the same words as the embedding path (one limit, one message).
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
            w, h = img.size
            if problem := pixel_problem(w, h):
                raise ImageProblem(problem)
            if img.format == "JPEG" and w * h > _DRAFT_PIXELS:
                img.draft(img.mode, (w // 4, h // 4))
            img.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ImageProblem(
                f"too large (decompression bomb?): over the {MAX_PIXELS:,}-pixel limit"
            ) from None
        except UnidentifiedImageError:
            raise ImageProblem("not an image, or a format Pillow cannot read") from None
        except OSError as exc:
            if "truncated" in str(exc).lower():
                raise ImageProblem("truncated image data") from None
            raise ImageProblem(f"corrupt image ({_one_line(exc)})") from None
        except ImageProblem:
            raise
        except MemoryError:
            raise ImageProblem("too large: not enough memory to decode it") from None
        except Exception as exc:  # untrusted bytes: any failure of Pillow is this file's problem
            raise ImageProblem(f"corrupt image ({_describe(exc)})") from None
    if img.width <= 0 or img.height <= 0:
        raise ImageProblem("image has no pixels")
    return img, notes


def _one_line(exc: BaseException) -> str:
    """An exception as one short line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _describe(exc: BaseException) -> str:
    """An unexpected exception as one short line that names its kind (struct.error: ...)."""
    kind = type(exc).__name__
    if isinstance(exc, (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)):
        return _one_line(exc)
    text = " ".join(str(exc).split())
    return f"{kind}: {text}"[:160] if text else kind


def inspect_image(path: Path) -> ImageFacts:
    """Validate one image file and read its facts; ImageProblem (one line) when unusable."""
    # Hashed in chunks and decoded from the file: an 800 MB scan is never held whole in memory.
    reason = not_a_file(path)
    if reason:
        raise ImageProblem(reason)
    try:
        if path.stat().st_size == 0:
            raise ImageProblem("empty file (0 bytes)")
        checksum = file_sha256(path)
    except OSError as exc:
        raise ImageProblem(f"cannot read file ({exc.strerror or exc})") from None
    img, notes = _open_checked(path)
    try:
        return _facts(path, checksum, img, notes)
    except ImageProblem:
        raise
    except MemoryError:
        raise ImageProblem("too large: not enough memory to read it") from None
    except Exception as exc:  # Pillow parses more of the file lazily (frames, EXIF): guard it all
        if isinstance(exc, (EOFError, struct.error)) or "truncated" in str(exc).lower():
            raise ImageProblem(f"truncated image data ({_describe(exc)})") from None
        raise ImageProblem(f"corrupt image ({_describe(exc)})") from None
    finally:
        img.close()


def _facts(path: Path, checksum: str, img: Image.Image, notes: list[str]) -> ImageFacts:
    """The facts of an opened, decoded image (may raise whatever Pillow raises)."""
    fmt, mode = img.format or "?", img.mode
    w, h = img.size
    if mode == "CMYK":
        notes.append("CMYK colour; shown converted to RGB")
    if mode in _HIGH_DEPTH_MODES:
        notes.append(f"high bit depth ({mode}); shown at 8 bits")
    # Counting frames reads through the whole file (a cut animated GIF fails here).
    frames = int(getattr(img, "n_frames", 1) or 1)
    if getattr(img, "is_animated", False) and frames > 1:
        notes.append(f"animated ({frames} frames); first frame used")
    orientation = _orientation(img)
    if orientation in _ROTATED:
        w, h = h, w
    if orientation not in (None, 1):
        notes.append(f"EXIF orientation {orientation}; size as displayed")
    return ImageFacts(path, checksum, w, h, fmt, mode, tuple(notes))


def _orientation(img: Image.Image) -> int | None:
    """The EXIF orientation tag, or None when absent or unreadable."""
    try:
        value = img.getexif().get(0x0112)
    except Exception:  # a broken EXIF block must not reject a readable image
        return None
    return int(value) if isinstance(value, int) else None


def to_rgb(img: Image.Image) -> Image.Image:
    """An 8-bit RGB copy: EXIF rotation applied, CMYK and 16-bit converted, first frame."""
    img.seek(0)
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    elif img.mode == "F":
        img = img.convert("L")
    img = ImageOps.exif_transpose(img) or img
    return img.convert("RGB")


def load_rgb(path: Path, max_side: int | None = None) -> Image.Image:
    """Open an image as 8-bit RGB, shrunk so its long side is at most `max_side`."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as src:
            if max_side and src.format == "JPEG":
                src.draft("RGB", (max_side, max_side))
            img = to_rgb(src)
    if max_side:
        img.thumbnail((max_side, max_side))
    return img
