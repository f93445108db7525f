"""Embeddings: a real backbone on a few small images, the on-disk cache, errors, cancellation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from heritage_desk.core.progress import Cancelled, CancelToken, Progress
from heritage_desk.ml import Embedder, EmbeddingCache, ImageLoadError
from heritage_desk.ml.backbones import WeightsNotFoundError, load_backbone, weights_path


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("img")
    rng = np.random.default_rng(0)
    paths = []
    for i in range(5):
        arr = (rng.random((40 + i * 7, 60, 3)) * 255).astype(np.uint8)
        p = d / f"im{i}.png"
        Image.fromarray(arr).save(p)
        paths.append(p)
    Image.fromarray(np.zeros((30, 30), dtype=np.uint16) + 4000).save(d / "gray16.png")
    paths.append(d / "gray16.png")
    return paths


@pytest.fixture(scope="module")
def embedder_cache(tmp_path_factory: pytest.TempPathFactory) -> EmbeddingCache:
    return EmbeddingCache(tmp_path_factory.mktemp("cache"))


def test_real_backbone_embeds_and_caches(
    images: list[Path], embedder_cache: EmbeddingCache
) -> None:
    seen: list[Progress] = []
    emb = Embedder(
        "lite0", views=("full", "flip"), cache=embedder_cache, batch_size=2, num_threads=1
    )
    x = emb.embed_files(images, progress=seen.append)
    assert x.shape == (len(images), 1280) and np.isfinite(x).all()
    assert seen[-1].done == seen[-1].total == len(images)
    assert len(list(embedder_cache.root.rglob("*.npy"))) == 2 * len(images)
    again = Embedder("lite0", views=("full", "flip"), cache=embedder_cache)
    y = again.embed_files(images)
    np.testing.assert_array_equal(x, y)
    assert again._net is None  # all from the cache: the backbone was never loaded


def test_corrupt_cache_entry_is_recomputed(images: list[Path], tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    emb = Embedder("lite0", cache=cache, num_threads=1)
    x = emb.embed_files(images[:1])
    entry = next(tmp_path.rglob("*.npy"))
    entry.write_bytes(b"garbage")
    np.testing.assert_allclose(emb.embed_files(images[:1]), x, atol=1e-2)


def test_bad_image_raises_or_is_reported(images: list[Path], tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    emb = Embedder("lite0", num_threads=1)
    with pytest.raises(ImageLoadError, match=r"broken\.jpg"):
        emb.embed_files([images[0], bad])
    errors: list[str] = []
    x = emb.embed_files([images[0], bad], on_error=lambda p, e: errors.append(p))
    assert errors == [str(bad)] and np.isnan(x[1]).all() and np.isfinite(x[0]).all()


def test_cancel_between_batches(images: list[Path]) -> None:
    token = CancelToken()
    emb = Embedder("lite0", batch_size=1, num_threads=1)

    def progress(p: Progress) -> None:
        if p.done >= 1:
            token.cancel()

    with pytest.raises(Cancelled):
        emb.embed_files(images, progress=progress, cancel=token)


def test_multistat_backbone_extends_lite0(images: list[Path]) -> None:
    a = Embedder("lite0", num_threads=1).embed_files(images[:2])
    b = Embedder("lite0-ms", num_threads=1).embed_files(images[:2])
    assert b.shape[1] > a.shape[1]
    np.testing.assert_allclose(a, b[:, :1280], atol=1e-2)


def test_missing_torchvision_weights_name_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(WeightsNotFoundError, match=r"resnet50-11ad3fa6\.pth"):
        load_backbone("resnet50")
    with pytest.raises(WeightsNotFoundError, match="not found"):
        weights_path("vgg16", tmp_path / "nope.pth")
    with pytest.raises(ValueError, match="unknown backbone"):
        Embedder("resnet9000")


def test_user_named_weights_file_is_used(tmp_path: Path) -> None:
    f = tmp_path / "my-resnet50.pth"
    f.write_bytes(b"")
    assert weights_path("resnet50", f) == f


def test_multiscale_view_names() -> None:
    from heritage_desk.ml.backbones import backbone_spec
    from heritage_desk.ml.presets import embed_transform, parse_view

    assert parse_view("full") == ("full", None) and parse_view("flip@288") == ("flip", 288)
    for bad in ("crop", "full@", "full@x", "full@5000"):
        with pytest.raises(ValueError):
            parse_view(bad)
    img = Image.new("RGB", (90, 40))
    assert embed_transform(backbone_spec("lite0"), "full@288")(img).shape == (3, 288, 288)
    with pytest.raises(ValueError):
        EmbeddingCache("/tmp").path("abc", "lite0", "sideways")
