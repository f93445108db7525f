"""`heritage-desk check`, image files: each asset's file exists and keeps its content.

A file that moved but kept its content is found by SHA-256 under the images folders and, when
repairs are allowed, relinked; everything else is reported.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from heritage_desk.core.digest import file_sha256
from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback
from heritage_desk.services.check_report import CheckOptions, CheckReport
from heritage_desk.services.image_paths import image_roots
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.images import not_a_file

_IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".gif", ".bmp"})


def _roots(cat: Catalogue, opts: CheckOptions) -> list[Path]:
    """Folders relative image paths live under: given ones, then the one storage records."""
    return image_roots(cat, opts.images_roots, guess=False)  # only folders known to hold images


def check_images(
    cat: Catalogue,
    opts: CheckOptions,
    report: CheckReport,
    progress: ProgressCallback,
    cancel: CancelToken | None,
    *,
    repair: bool,
) -> None:
    """Every asset's file exists (and keeps its checksum); a moved file is found by content."""
    roots = _roots(cat, opts)
    for r in roots:
        if not r.is_dir():
            report.add("problem", "images", str(r), "images folder not found")
    roots = [r for r in roots if r.is_dir()]
    rows = cat.asset_paths()
    report.assets = len(rows)
    if not roots:
        relative = [r for r in rows if not Path(r[1]).is_absolute()]
        rows = [r for r in rows if Path(r[1]).is_absolute()]
        if relative:
            report.add(
                "note",
                "images",
                cat.location,
                f"{len(relative)} image paths are relative and no images folder was "
                "given (--images): those files were not checked",
            )
    missing: list[tuple[int, str, str]] = []
    for n, (asset_id, image_path, checksum) in enumerate(rows, start=1):
        if cancel is not None and cancel.cancelled:
            report.cancelled = True
            return
        found = _find(image_path, roots)
        odd = _not_a_file(image_path, roots) if found is None else None
        if odd is not None:  # a FIFO in its place: reading it would block the check for ever
            report.add("problem", "unreadable image", image_path, f"asset #{asset_id}: {odd}")
        elif found is None:
            missing.append((asset_id, image_path, checksum))
        elif opts.checksums:
            try:
                actual = file_sha256(found)
            except OSError as exc:
                report.add(
                    "problem",
                    "unreadable image",
                    image_path,
                    f"asset #{asset_id}: {exc.strerror or exc}",
                )
            else:
                if actual != checksum:
                    report.add(
                        "problem",
                        "changed image",
                        image_path,
                        f"asset #{asset_id}: content differs from the imported file "
                        f"(sha256 {actual[:12]}..., recorded {checksum[:12]}...)",
                    )
        report.images_checked += 1
        if n % 200 == 0 or n == len(rows):
            progress(Progress(n, len(rows), "checking images"))
    if missing:
        _relink(cat, missing, roots, report, repair=repair)


def _find(image_path: str, roots: Iterable[Path]) -> Path | None:
    p = Path(image_path)
    if p.is_absolute():
        return p if p.is_file() else None
    for root in roots:
        candidate = root / p
        if candidate.is_file():
            return candidate
    return None


def _not_a_file(image_path: str, roots: Iterable[Path]) -> str | None:
    """Why what stands at the image's path is no file (a FIFO, a device), or None."""
    p = Path(image_path)
    for candidate in [p] if p.is_absolute() else [root / p for root in roots]:
        reason = not_a_file(candidate)
        if reason:
            return f"{candidate}: {reason}"
    return None


def _relink(
    cat: Catalogue,
    missing: list[tuple[int, str, str]],
    roots: list[Path],
    report: CheckReport,
    *,
    repair: bool,
) -> None:
    """Find missing files by content under the roots; relink those found, report the rest."""
    known = {p for _, p, _ in cat.asset_paths()}
    wanted = {checksum: (asset_id, path) for asset_id, path, checksum in missing}
    for root in roots:
        if not wanted:
            break
        for candidate in _image_files(root):
            rel = candidate.relative_to(root).as_posix()
            if rel in known:
                continue
            try:
                digest = file_sha256(candidate)
            except OSError:
                continue
            hit = wanted.pop(digest, None)
            if hit is None:
                continue
            asset_id, old = hit
            if repair:
                cat.update_asset(asset_id, image_path=rel)
                report.add(
                    "repaired",
                    "moved image",
                    old,
                    f"asset #{asset_id}: found with the same content at {rel}; relinked",
                )
            else:
                report.add(
                    "problem",
                    "moved image",
                    old,
                    f"asset #{asset_id}: same content found at {rel} (not relinked)",
                )
    for _, (asset_id, path) in sorted(wanted.items(), key=lambda kv: kv[1][0]):
        report.add(
            "problem",
            "missing image",
            path,
            f"asset #{asset_id}: file not found under {', '.join(map(str, roots))}",
        )


def _image_files(root: Path) -> Iterator[Path]:
    real_root = root.resolve()
    for dirpath, _dirs, files in os.walk(real_root, followlinks=False):
        for name in sorted(files):
            p = Path(dirpath) / name
            if (
                p.suffix.lower() in _IMAGE_SUFFIXES
                and p.resolve().is_relative_to(real_root)
                and p.is_file()  # hashing a FIFO would wait for ever
            ):
                yield p
