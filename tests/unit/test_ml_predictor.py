"""Suggestions: calibrated probabilities, year ranges inside the suggested artist's years."""

from __future__ import annotations

import numpy as np

from heritage_desk.core.model import Field
from heritage_desk.ml import Predictor, TrainConfig, normalize_name, train_head
from heritage_desk.ml.calibration import expected_calibration_error, fit_temperature
from heritage_desk.ml.metrics import artist_metrics, confusion_matrix, macro_prf, topk_accuracy
from tests.unit.test_ml_model import toy

FAST = TrainConfig(epochs=10, shared_hidden=64, meta_hidden=16, batch_size=64, num_threads=1)


def test_year_with_each_artist_lies_in_their_active_years() -> None:
    ex, x = toy(n=400, d=8, k=5)
    x = x + np.random.default_rng(1).normal(size=x.shape).astype(np.float32) * 4  # make it hard
    p = Predictor(train_head(ex, x, FAST))
    for i in range(50):
        pred = p.predict(x[i], None, top_k=5)
        for c in pred.artists:
            lo, hi = p.vocab.active_years[c.artist]
            assert c.year is not None
            assert lo <= c.year.year <= hi and lo <= c.year.year_from <= c.year.year_to <= hi
        assert pred.year is not None and 0 < pred.year.range_probability <= 1
        if pred.artists[0].probability >= 0.5:
            assert pred.year == pred.artists[0].year


def test_suggestions_are_core_objects() -> None:
    ex, x = toy(n=200)
    pred = Predictor(train_head(ex, x, FAST), "v1").predict(x[0], top_k=3)
    s = pred.suggestions()
    assert [r.rank for r in s if r.field is Field.ARTIST] == [1, 2, 3]
    date = next(r for r in s if r.field is Field.DATE)
    assert date.value.endswith("s") and date.year_from is not None and date.model_version == "v1"


def test_batch_equals_single() -> None:
    ex, x = toy(n=200)
    p = Predictor(train_head(ex, x, FAST))
    many = p.predict_many(x[:5], [None] * 5)
    one = p.predict(x[3])
    assert [c.artist for c in many[3].artists] == [c.artist for c in one.artists]
    np.testing.assert_allclose(
        [c.probability for c in many[3].artists], [c.probability for c in one.artists], atol=1e-5
    )


def test_wrong_embedding_size_is_explained() -> None:
    ex, x = toy(n=200)
    p = Predictor(train_head(ex, x, FAST))
    try:
        p.predict(np.zeros(3, dtype=np.float32))
    except ValueError as exc:
        assert "backbone" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_names_match_across_spellings() -> None:
    assert normalize_name("Pierre-Auguste Renoir") == normalize_name("pierre auguste renoir")
    assert normalize_name("Paul Cézanne") == normalize_name("Paul Cezanne")


def test_temperature_scaling_fixes_overconfidence() -> None:
    import torch

    rng = np.random.default_rng(0)
    y = torch.from_numpy(rng.integers(0, 5, 4000))
    logits = torch.from_numpy(rng.normal(size=(4000, 5))).float()
    logits[torch.arange(4000), y] += 1.0
    logits *= 4  # overconfident
    t = fit_temperature(logits, y)
    assert t > 2
    p0, p1 = torch.softmax(logits, 1), torch.softmax(logits / t, 1)
    hit = (p0.argmax(1) == y).numpy()
    assert expected_calibration_error(p1.max(1).values.numpy(), hit) < 0.03
    assert expected_calibration_error(p0.max(1).values.numpy(), hit) > 0.1


def test_metrics_on_known_values() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.5, 0.1, 0.4], [0.2, 0.3, 0.5]])
    y = np.array([0, 1, 2, 2])
    assert topk_accuracy(probs, y, 1) == 0.75 and topk_accuracy(probs, y, 2) == 1.0
    cm = confusion_matrix(probs.argmax(1), y, 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 0], [1, 0, 1]]
    p, r, _f = macro_prf(cm)
    assert abs(p - (0.5 + 1 + 1) / 3) < 1e-9 and abs(r - (1 + 1 + 0.5) / 3) < 1e-9
    m = artist_metrics(probs, y)
    assert m["artist_top1"] == 0.75 and 0 <= m["ece"] <= 1
