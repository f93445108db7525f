"""Where an asset's image file is: absolute paths as stored, relative ones under known folders."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from heritage_desk.storage.catalogue import Catalogue


def image_roots(
    catalogue: Catalogue, extra: Iterable[str | Path] = (), *, guess: bool = True
) -> list[Path]:
    """Folders to look in: `extra`, every folder imported from, then (`guess`) the file's own."""
    roots = [Path(r) for r in extra]
    roots += [r for r in catalogue.images_roots() if r not in roots]
    db = catalogue.url.database if catalogue.is_sqlite and guess else None
    if db and db != ":memory:" and Path(db).parent not in roots:
        roots.append(Path(db).parent)
    return roots


def resolve_image(image_path: str, roots: Sequence[Path]) -> Path:
    """The first existing file under `roots`; else where the first root would hold it."""
    p = Path(image_path)
    if p.is_absolute():
        return p
    for root in roots:
        if (root / p).is_file():
            return root / p
    return (roots[0] if roots else Path.cwd()) / p


class ImageResolver:
    """Finds an asset's file: absolute paths as they are, relative ones under known roots."""

    def __init__(self, catalogue: Catalogue, roots: Sequence[Path] = ()) -> None:
        self.roots = image_roots(catalogue, roots)
        self._lock = threading.Lock()

    def add_root(self, root: str | Path) -> None:
        """Remember a folder images were imported from."""
        with self._lock:
            if Path(root) not in self.roots:
                self.roots.insert(0, Path(root))

    def __call__(self, image_path: str) -> str:
        return str(resolve_image(image_path, list(self.roots)))
