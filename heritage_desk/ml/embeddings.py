"""Frozen-backbone embeddings, computed in batches and cached on disk by image checksum."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from heritage_desk.core.atomic import atomic_write
from heritage_desk.core.progress import CancelToken, Eta, ProgressCallback, no_progress
from heritage_desk.ml.backbones import Backbone, BackboneSpec, backbone_spec, load_backbone
from heritage_desk.ml.decode import ImageChangedError, file_sha256, load_small, normalise, to_array
from heritage_desk.ml.fastpath import (
    Forward,
    onnx_forward,
    onnx_model,
    onnx_runtime_available,
    torch_forward,
)
from heritage_desk.ml.pipeline import decoded_batches, default_decode_workers
from heritage_desk.ml.presets import ImageLoadError, embed_transform, load_image, parse_view
from heritage_desk.ml.runtime import pick_device, set_num_threads

ErrorCallback = Callable[[str, Exception], None]


#: Faithful: every image's fast-path features have cosine similarity >= this with the reference
#: path's (tests/integration/test_embed_fastpath.py, on real WikiArt and museum-size images).
FIDELITY_COSINE = 0.999

file_checksum = file_sha256  # SHA-256 of a file's bytes, hex (one owner: ml.decode)


class Pending(NamedTuple):
    """What one embed_files call has left to embed, for either batch source: rows `todo` of
    `paths`, verified against `checksums` when given, stopped by `cancel`."""

    paths: Sequence[str | Path]
    todo: Sequence[int]
    checksums: Sequence[str] | None
    cancel: CancelToken | None


#: One embedded batch: its row indices, the rows that failed, the features per view.
Batch = tuple[list[int], list[tuple[int, Exception]], list[np.ndarray]]


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
    """Embeds image files with a frozen backbone; the app's entry point for image features.

    `fast` (the default) decodes JPEGs at reduced size on worker threads while ONNX Runtime
    (CPU) or torch AMP (CUDA) runs the batches; features agree with the reference path
    (`fast=False`: full-size decode, eager torch fp32, as before) within FIDELITY_COSINE.
    """

    def __init__(
        self,
        backbone: str = "lite0",
        views: Sequence[str] = ("full",),
        cache: EmbeddingCache | None = None,
        weights: str | Path | None = None,
        batch_size: int = 16,
        num_threads: int | None = None,
        device: str | None = None,
        fast: bool = True,
        decode_workers: int | None = None,
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
        self.fast = fast
        self.decode_workers = decode_workers
        self._net: Backbone | None = None
        self._forward: Forward | None = None
        #: How the fast path runs its forward pass ("onnxruntime", "torch-cpu", "torch-cuda").
        self.engine = ""

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

    def forward(self) -> Forward:
        """The fast path's forward pass, built on first use (an ONNX export takes seconds)."""
        if self._forward is None:
            threads = set_num_threads(self.num_threads)
            if self.device.type == "cpu" and onnx_runtime_available():
                folder = self.cache.root / "_onnx" if self.cache is not None else None
                size = max(_view_size(self.spec, v) for v in self.views)
                model = onnx_model(self.net(), size, folder, self.weights)
                self._forward, self.engine = onnx_forward(model, threads), "onnxruntime"
            else:
                self._forward = torch_forward(self.net(), self.device)
                self.engine = f"torch-{self.device.type}"
        return self._forward

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
        it is reported there and its row is NaN. Checksums given by the caller (recorded at
        import) are verified against the file before its features are cached under them
        (ImageChangedError otherwise). Each image is embedded once, however often it is listed;
        each batch is cached as it is done, so a killed run resumes where it stopped.
        Cancellation is checked between batches.
        """
        set_num_threads(self.num_threads)
        n = len(paths)
        out = np.zeros((n, self.dim), dtype=np.float32)
        verify = checksums is not None
        if checksums is None and self.cache is not None:
            checksums = [file_checksum(p) for p in paths]
        todo: list[int] = list(range(n))
        if self.cache is not None and checksums is not None:
            cached, found = self.cache.get_many(checksums, self.backbone, self.views)
            out[found] = cached[found]
            todo = [i for i in range(n) if not found[i]]
        copies: dict[int, list[int]] = {}  # first index of a checksum -> its other indices
        if checksums is not None:
            first: dict[str, int] = {}
            for i in todo:
                j = first.setdefault(checksums[i], i)
                if j != i:
                    copies.setdefault(j, []).append(i)
            todo = [i for i in todo if first[checksums[i]] == i]
        eta = Eta(n, n - len(todo) - sum(map(len, copies.values())))
        done = eta.start_done
        progress(eta.progress(done))
        expected = checksums if verify else None
        run = self._fast_batches if self.fast else self._reference_batches
        for ok, failed, feats in run(Pending(paths, todo, expected, cancel)):
            for i, exc in failed:
                if on_error is None or not isinstance(exc, ImageLoadError):
                    raise exc
                on_error(str(paths[i]), exc)
                out[[i, *copies.get(i, [])]] = np.nan
            if ok:
                total = np.zeros((len(ok), self.dim), dtype=np.float32)
                for view, f in zip(self.views, feats, strict=True):
                    total += f
                    if self.cache is not None and checksums is not None:
                        for row, i in enumerate(ok):
                            self.cache.put(checksums[i], self.backbone, view, f[row])
                out[ok] = total / len(self.views)
                for i in ok:
                    out[copies.get(i, [])] = out[i]
            done += sum(1 + len(copies.get(i, [])) for i in ok + [i for i, _ in failed])
            progress(eta.progress(done))
        return out

    def _fast_batches(self, job: Pending) -> Iterator[Batch]:
        """(embedded indices, failures, features per view) per batch, decode overlapped."""
        paths, todo, checksums, cancel = job
        if not todo:
            return  # all cached: the backbone is never loaded
        forward = self.forward()
        specs = [(_view_size(self.spec, v), parse_view(v)[0] == "flip") for v in self.views]
        need = max(size for size, _ in specs)

        def decode(i: int) -> list[np.ndarray]:
            im = load_small(paths[i], need, checksums[i] if checksums is not None else None)
            return [to_array(im, size, flip) for size, flip in specs]

        workers = self.decode_workers or default_decode_workers()
        for b in decoded_batches(todo, decode, self.batch_size, workers, cancel):
            feats = [
                _round16(forward(normalise(v, self.spec.mean, self.spec.std))) for v in b.views
            ]
            yield b.items, b.failed, feats

    def _reference_batches(self, job: Pending) -> Iterator[Batch]:
        """Today's path, unchanged: full-size decode, torchvision transforms, eager fp32."""
        paths, todo, checksums, cancel = job
        transforms = [embed_transform(self.spec, v) for v in self.views]
        for start in range(0, len(todo), self.batch_size):
            if cancel is not None:
                cancel.raise_if_cancelled()
            ok: list[int] = []
            failed: list[tuple[int, Exception]] = []
            images = []
            for i in todo[start : start + self.batch_size]:
                try:
                    if checksums is not None and file_checksum(paths[i]) != checksums[i]:
                        raise ImageChangedError(
                            f"{paths[i]}: file changed since import (checksum differs)"
                        )
                    images.append(load_image(paths[i]))
                    ok.append(i)
                except ImageLoadError as exc:
                    failed.append((i, exc))
                except OSError as exc:  # unreadable while hashing
                    failed.append((i, ImageLoadError(f"{paths[i]}: {exc.strerror or exc}")))
            feats = (
                [self.embed_tensors(torch.stack([tf(im) for im in images])) for tf in transforms]
                if ok
                else []
            )
            yield ok, failed, feats


def _view_size(spec: BackboneSpec, view: str) -> int:
    """The input size of one view (its @SIZE, else the backbone's)."""
    return parse_view(view)[1] or spec.input_size


def _round16(x: np.ndarray) -> np.ndarray:
    """Features as the cache stores them (float16), so fresh and cached rows are equal."""
    return x.astype(np.float16).astype(np.float32)
