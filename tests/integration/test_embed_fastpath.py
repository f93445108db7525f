"""The embedding fast path against today's reference path, on real images (issue 14)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from heritage_desk.ml import Embedder, EmbeddingCache
from heritage_desk.ml.embeddings import FIDELITY_COSINE
from heritage_desk.ml.fastpath import onnx_runtime_available


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.asarray((a * b).sum(axis=1))


@pytest.fixture(scope="module")
def museum_files(aic_demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Real paintings as a museum stores them: 3,000-px JPEG, EXIF-rotated, PNG, 16-bit TIFF."""
    d = tmp_path_factory.mktemp("museum")
    srcs = sorted((aic_demo_dir / "images").glob("*.jpg"))[:4]
    out = []
    for k, src in enumerate(srcs):
        with Image.open(src) as im:
            w, h = im.size
            s = 3000 / max(w, h)
            big = im.convert("RGB").resize((round(w * s), round(h * s)), Image.Resampling.BICUBIC)
        if k == 0:
            p = d / "scan.jpg"
            big.save(p, quality=90)
        elif k == 1:  # stored sideways, EXIF says rotate
            p = d / "rotated.jpg"
            exif = Image.Exif()
            exif[0x0112] = 6
            big.transpose(Image.Transpose.ROTATE_90).save(p, quality=90, exif=exif)
        elif k == 2:
            p = d / "scan.png"
            big.resize((big.width // 2, big.height // 2)).save(p)
        else:
            p = d / "grey16.tif"
            grey = np.asarray(big.convert("L"), dtype=np.uint16)[::3, ::3] * 257
            Image.fromarray(grey).save(p)
        out.append(p)
    return out


def _wikiart(wikiart_dir: Path, n: int) -> list[Path]:
    styles = sorted((wikiart_dir / "images").iterdir())
    return [sorted(s.glob("*.jpg"))[0] for s in styles[:n]]


@pytest.mark.parametrize("views", [("full",), ("full", "flip")])
def test_fast_path_agrees_with_reference_on_wikiart(wikiart_dir: Path, views: tuple[str]) -> None:
    files = _wikiart(wikiart_dir, 11)
    ref = Embedder("lite0-ms", views, fast=False, num_threads=1).embed_files(files)
    fast_emb = Embedder("lite0-ms", views, fast=True, num_threads=1, batch_size=4)
    fast = fast_emb.embed_files(files)
    assert fast_emb.engine == ("onnxruntime" if onnx_runtime_available() else "torch-cpu")
    cos = _cosines(ref, fast)
    # 224-px files: the same pixels reach the network; only the arithmetic order differs.
    assert cos.min() >= 0.99999, cos
    assert np.abs(ref - fast).max() < 0.05


def test_fast_path_agrees_with_reference_on_museum_files(museum_files: list[Path]) -> None:
    ref = Embedder("lite0-ms", fast=False, num_threads=1).embed_files(museum_files)
    fast = Embedder("lite0-ms", fast=True, num_threads=1).embed_files(museum_files)
    cos = _cosines(ref, fast)
    assert cos.min() >= FIDELITY_COSINE, dict(zip(map(str, museum_files), cos, strict=True))
    # A reduced-size decode is not a different picture: each image stays nearest its own.
    sim = (ref / np.linalg.norm(ref, axis=1, keepdims=True)) @ (
        fast / np.linalg.norm(fast, axis=1, keepdims=True)
    ).T
    assert (sim.argmax(axis=1) == np.arange(len(museum_files))).all()


def test_fast_path_repeated_image_is_embedded_once(wikiart_dir: Path, tmp_path: Path) -> None:
    files = _wikiart(wikiart_dir, 3)
    cache = EmbeddingCache(tmp_path)
    emb = Embedder("lite0", cache=cache, num_threads=1, batch_size=2)
    calls: list[int] = []
    forward = emb.forward()
    emb._forward = lambda x: (calls.append(len(x)), forward(x))[1]  # count rows, same forward
    listed = [files[0], files[1], files[0], files[2], files[1]]
    x = emb.embed_files(listed)
    assert sum(calls) == 3  # three distinct images, five rows
    np.testing.assert_array_equal(x[0], x[2])
    np.testing.assert_array_equal(x[1], x[4])
    assert len(list((tmp_path / "lite0").rglob("*.npy"))) == 3
