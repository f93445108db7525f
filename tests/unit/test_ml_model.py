"""The multimodal head learns, handles missing metadata and skips missing years."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from heritage_desk.ml import Example, Predictor, TrainConfig, train_head
from heritage_desk.ml.model import IGNORE, ModelConfig, MultimodalNet, mask_meta, multitask_loss

FAST = TrainConfig(epochs=15, shared_hidden=64, meta_hidden=16, batch_size=64, num_threads=1)


def toy(n: int = 600, d: int = 32, k: int = 4, seed: int = 0) -> tuple[list[Example], np.ndarray]:
    """k artists, separable image features, a style that tells two groups apart, some years."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(k, d)) * 3
    y = rng.integers(0, k, n)
    x = (centers[y] + rng.normal(size=(n, d))).astype(np.float32)
    ex = [
        Example(
            f"img{i}.jpg",
            artist=f"Artist {y[i]}",
            year=1500 + 100 * int(y[i]) + int(rng.integers(0, 10)) if i % 3 else None,
            style=f"style {y[i] % 2}",
            genre=None,
            title=f"work {i} a",
        )
        for i in range(n)
    ]
    return ex, x


def test_separable_toy_task_is_learned() -> None:
    ex, x = toy()
    tm = train_head(ex, x, FAST)
    assert tm.metrics["holdout_artist_top1"] > 0.95
    assert tm.metrics["holdout_decade_acc"] > 0.5
    assert 0.05 <= tm.artist_temperature <= 20
    pred = Predictor(tm).predict(x[1], {"style": "style 1"})
    assert pred.artists[0].artist == ex[1].artist
    assert pred.artists[0].probability > 0.5


def test_missing_and_unseen_metadata() -> None:
    ex, x = toy()
    p = Predictor(train_head(ex, x, FAST))
    for ctx in (None, {}, {"genre": None, "style": None, "medium": None}, {"style": "never seen"}):
        pred = p.predict(x[2], ctx)
        assert pred.artists[0].artist == ex[2].artist
        assert abs(sum(c.probability for c in p.predict(x[2], ctx, top_k=4).artists) - 1) < 1e-5


def test_image_only_variant() -> None:
    ex, x = toy()
    tm = train_head(ex, x, TrainConfig(**{**FAST.to_dict(), "image_only": True}))
    assert tm.model.config.image_only
    assert not hasattr(tm.model, "meta")
    assert tm.metrics["holdout_artist_top1"] > 0.95


def test_year_loss_skips_items_without_year() -> None:
    a = torch.randn(4, 3)
    d = torch.randn(4, 5)
    only_artist = multitask_loss(a, d, torch.tensor([0, 1, 2, 0]), torch.full((4,), IGNORE))
    assert torch.isfinite(only_artist)
    both = multitask_loss(a, d, torch.tensor([0, 1, 2, 0]), torch.tensor([1, IGNORE, 2, 0]))
    assert both > only_artist


def test_masking_only_hides_fields() -> None:
    meta = torch.randint(1, 5, (1000, 3))
    masked = mask_meta(meta, 0.5, torch.Generator().manual_seed(0))
    assert ((masked == 0) | (masked == meta)).all()
    assert 0.4 < (masked == 0).float().mean() < 0.6


def test_training_without_any_year_or_metadata() -> None:
    ex, x = toy()
    bare = [Example(e.image_path, e.artist) for e in ex]
    tm = train_head(bare, x, FAST)
    pred = Predictor(tm).predict(x[0])
    assert pred.artists[0].artist == ex[0].artist


def test_model_shapes() -> None:
    cfg = ModelConfig(10, 3, 4, {"genre": 2, "style": 3, "medium": 1}, 8, 16)
    za, zd = MultimodalNet(cfg)(torch.randn(5, 10), torch.zeros(5, 3, dtype=torch.long))
    assert za.shape == (5, 3) and zd.shape == (5, 4)


def test_cancel_stops_training() -> None:
    from heritage_desk.core.progress import Cancelled, CancelToken

    ex, x = toy()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        train_head(ex, x, FAST, cancel=token)


def test_bank_dropout_drops_p_and_keeps_the_mean() -> None:
    from heritage_desk.ml.model import BankDropout

    torch.manual_seed(0)
    d = BankDropout(0.5, rows=256)
    x = torch.ones(512, 300)
    y = d(x)
    assert 0.45 < (y == 0).float().mean() < 0.55
    assert abs(y.mean().item() - 1.0) < 0.05
    assert not torch.equal(y[:256], d(x)[:256])  # fresh rows each call
    d.eval()
    assert torch.equal(d(x), x)


def test_an_attribution_counts_as_a_fraction_of_a_sure_work() -> None:
    """X's works look exactly like A's: only the weight of X's labels (a qualified
    attribution, core.names.evidence_weight) sets how much of that look the model gives X."""
    rng = np.random.default_rng(0)
    c = rng.normal(size=(2, 16)) * 3
    n = 400
    x = np.concatenate([c[0] + rng.normal(size=(n, 16)), c[1] + rng.normal(size=(n, 16))])

    def label(i: int, weight: float) -> Example:
        if i >= n:
            return Example(f"i{i}.jpg", artist="B", title=f"w{i}")
        if i % 2:
            return Example(f"i{i}.jpg", artist="A", title=f"w{i}")
        return Example(f"i{i}.jpg", artist="X", title=f"w{i}", weight=weight)

    def p_x(weight: float) -> float:
        ex = [label(i, weight) for i in range(2 * n)]
        p = Predictor(train_head(ex, x.astype(np.float32), FAST))
        preds = [p.predict(x[i].astype(np.float32), top_k=3) for i in range(0, n, 2)]
        return float(
            np.mean([sum(a.probability for a in q.artists if a.artist == "X") for q in preds])
        )

    assert p_x(0.25) < 0.5 * p_x(1.0)
