"""Frozen-backbone embeddings, computed in batches and cached on disk by image checksum."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from heritage_desk.core.atomic import atomic_write
from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from heritage_desk.ml.backbones import Backbone, BackboneSpec, backbone_spec, load_backbone
from heritage_desk.ml.presets import ImageLoadError, embed_transform, load_image, parse_view
from heritage_desk.ml.runtime import pick_device, set_num_threads

ErrorCallback = Callable[[str, Exception], None]


def file_checksum(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class EmbeddingCache:
    """One float16 .npy file per (backbone, view, checksum) under `root`; writes are atomic."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, checksum: str, backbone: str, view: str = "full") -> Path:
        if not checksum or any(c in checksum for c in "/\\."):
            raise ValueError(f"bad cache key {checksum!r}/{view!r}")
        parse_view(view)
        return self.root / backbone / view / checksum[:2] / f"{checksum}.npy"

    def get(self, checksum: str, backbone: str, view: str = "full") -> np.ndarray | None:
        """The cached vector, or None when absent or unreadable (then it is recomputed)."""
        p = self.path(checksum, backbone, view)
        try:
            arr = np.load(p, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None
        dim = backbone_spec(backbone).feature_dim
        return arr if arr.shape == (dim,) else None

    def put(self, checksum: str, backbone: str, view: str, vector: np.ndarray) -> None:
        p = self.path(checksum, backbone, view)
        p.parent.mkdir(parents=True, exist_ok=True)
        # A cache: no fsync per vector (get() rejects a short file, and it is recomputed).
        with atomic_write(p, "wb", durable=False) as f:
            np.save(f, np.asarray(vector, dtype=np.float16))

    def get_many(
        self, checksums: Sequence[str], backbone: str, views: Sequence[str] = ("full",)
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean over views of cached vectors [N,D] float32, and a mask of rows found."""
        dim = backbone_spec(backbone).feature_dim
        out = np.zeros((len(checksums), dim), dtype=np.float32)
        found = np.ones(len(checksums), dtype=bool)
        for i, c in enumerate(checksums):
            for v in views:
                vec = self.get(c, backbone, v)
                if vec is None:
                    found[i] = False
                    break
                out[i] += vec.astype(np.float32)
        out /= len(views)
        out[~found] = 0.0
        return out, found


class Embedder:
    """Embeds image files with a frozen backbone; the app's entry point for image features."""

    def __init__(
        self,
        backbone: str = "lite0",
        views: Sequence[str] = ("full",),
        cache: EmbeddingCache | None = None,
        weights: str | Path | None = None,
        batch_size: int = 16,
        num_threads: int | None = None,
        device: str | None = None,
    ) -> None:
        self.spec: BackboneSpec = backbone_spec(backbone)
        self.views = tuple(views)
        for v in self.views:
            embed_transform(self.spec, v)  # validates the view name
        self.cache = cache
        self.weights = weights
        self.batch_size = batch_size
        self.num_threads = num_threads
        self.device = pick_device(device)
        self._net: Backbone | None = None

    @property
    def backbone(self) -> str:
        return self.spec.name

    @property
    def dim(self) -> int:
        return self.spec.feature_dim

    def net(self) -> Backbone:
        """The backbone, loaded on first use."""
        if self._net is None:
            self._net = load_backbone(self.spec.name, self.weights).to(self.device)
        return self._net

    @torch.inference_mode()
    def embed_tensors(self, batch: torch.Tensor) -> np.ndarray:
        """Features of an already transformed batch, rounded to the cache's float16."""
        feats = self.net()(batch.to(self.device)).float().cpu().numpy()
        return feats.astype(np.float16).astype(np.float32)

    def embed_files(
        self,
        paths: Sequence[str | Path],
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        checksums: Sequence[str] | None = None,
        on_error: ErrorCallback | None = None,
    ) -> np.ndarray:
        """Embeddings [N, dim] float32 (mean over views), from the cache where possible.

        A file that cannot be decoded raises ImageLoadError, unless `on_error` is given: then
        it is reported there and its row is NaN. Cancellation is checked between batches.
        """
        set_num_threads(self.num_threads)
        n = len(paths)
        out = np.zeros((n, self.dim), dtype=np.float32)
        if checksums is None and self.cache is not None:
            checksums = [file_checksum(p) for p in paths]
        todo: list[int] = list(range(n))
        if self.cache is not None and checksums is not None:
            cached, found = self.cache.get_many(checksums, self.backbone, self.views)
            out[found] = cached[found]
            todo = [i for i in range(n) if not found[i]]
        done = n - len(todo)
        progress(Progress(done, n, "embedding images"))
        transforms = [embed_transform(self.spec, v) for v in self.views]
        for start in range(0, len(todo), self.batch_size):
            if cancel is not None:
                cancel.raise_if_cancelled()
            idx = todo[start : start + self.batch_size]
            ok: list[int] = []
            images = []
            for i in idx:
                try:
                    images.append(load_image(paths[i]))
                    ok.append(i)
                except ImageLoadError as exc:
                    if on_error is None:
                        raise
                    on_error(str(paths[i]), exc)
                    out[i] = np.nan
            if ok:
                total = np.zeros((len(ok), self.dim), dtype=np.float32)
                for view, tf in zip(self.views, transforms, strict=True):
                    feats = self.embed_tensors(torch.stack([tf(im) for im in images]))
                    total += feats
                    if self.cache is not None and checksums is not None:
                        for row, i in enumerate(ok):
                            self.cache.put(checksums[i], self.backbone, view, feats[row])
                out[ok] = total / len(self.views)
            done += len(idx)
            progress(Progress(done, n, "embedding images"))
        return out
