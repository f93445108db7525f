"""Dataset folders (labels.csv next to images), benchmark subsets and artwork-grouped folds."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

from heritage_desk.ml.data import Example, artwork_key
from heritage_desk.ml.embeddings import Embedder, EmbeddingCache, file_checksum

WORK = Path(__file__).resolve().parents[1] / ".work"
DEFAULT_CACHE = WORK / "embeddings"


def _opt(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def read_examples(
    data: str | Path, subset_file: str | Path | None = None, subset: str | None = None
) -> list[Example]:
    """The rows of DATA/labels.csv as examples, optionally only the artists of one subset."""
    root = Path(data)
    keep: set[str] | None = None
    if subset:
        sf = Path(subset_file) if subset_file else root / "subsets.csv"
        with open(sf, newline="", encoding="utf-8") as f:
            keep = {r["artist_slug"] for r in csv.DictReader(f) if r.get(subset) == "1"}
        if not keep:
            raise ValueError(f"subset {subset!r} is empty or missing in {sf}")
    out = []
    with open(root / "labels.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if keep is not None and r.get("artist_slug") not in keep:
                continue
            year = _opt(r.get("year"))
            out.append(
                Example(
                    image_path=str(root / r["image_file"]),
                    artist=_opt(r.get("artist")),
                    year=int(float(year)) if year else None,
                    genre=_opt(r.get("genre")),
                    style=_opt(r.get("style")),
                    medium=_opt(r.get("medium")),
                    title=_opt(r.get("title")),
                )
            )
    return out


def grouped_folds(examples: list[Example], k: int = 5, seed: int = 0) -> np.ndarray:
    """A fold number per example; all copies of an artwork land in the same fold."""
    keys = sorted({artwork_key(e) for e in examples})
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(keys))
    fold_of = {keys[j]: i % k for i, j in enumerate(order)}
    return np.array([fold_of[artwork_key(e)] for e in examples])


def checksums(examples: list[Example]) -> list[str]:
    """SHA-256 of each example's image."""
    return [file_checksum(e.image_path) for e in examples]


def embed_examples(
    examples: list[Example],
    backbone: str = "lite0-ms",
    views: tuple[str, ...] = ("full",),
    cache_dir: str | Path = DEFAULT_CACHE,
    verbose: bool = True,
    weights: str | Path | None = None,
    threads: int = 1,
) -> np.ndarray:
    """Embeddings of the examples, through the on-disk cache; a packed copy speeds reloads."""
    sums = checksums(examples)
    tag = hashlib.sha256("\n".join(sums).encode()).hexdigest()[:16]
    pack = Path(cache_dir) / "packs" / f"{backbone}-{'+'.join(views)}-{tag}.npy"
    if pack.exists():
        return np.load(pack, allow_pickle=False).astype(np.float32)
    # The reference path unless the name asks for the fast one ("lite0-ms~fast"), whose
    # features are then cached under that name, beside the reference ones (fidelity check).
    emb = Embedder(
        backbone,
        views=views,
        cache=EmbeddingCache(cache_dir),
        weights=weights,
        num_threads=threads,
        fast=backbone.endswith("~fast"),
    )

    def report(p: object) -> None:
        done = getattr(p, "done", 0)
        if verbose and (done % 512 < emb.batch_size or done == getattr(p, "total", -1)):
            print(f"embedded {done}/{getattr(p, 'total', '?')}", flush=True)

    out = emb.embed_files([e.image_path for e in examples], progress=report, checksums=sums)
    pack.parent.mkdir(parents=True, exist_ok=True)
    np.save(pack, out.astype(np.float16))
    return out
