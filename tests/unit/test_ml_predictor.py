"""Suggestions: calibrated probabilities, year ranges inside the suggested artist's years."""

from __future__ import annotations

import numpy as np

from heritage_desk.core.lifespan import works_window
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
            # inside the working window: active years widened by core.lifespan's margin
            lo, hi = p.windows[p.vocab.artists.index(c.artist)] or (0, 0)
            assert (lo, hi) == works_window(*p.vocab.active_years[c.artist])
            assert c.year is not None
            assert lo <= c.year.year <= hi and lo <= c.year.year_from <= c.year.year_to <= hi
        assert pred.year is not None and 0 < pred.year.range_probability <= 1
        if pred.artists[0].probability >= 0.5:
            assert pred.year == pred.artists[0].year


def test_suggestions_are_core_objects() -> None:
    from heritage_desk.core.model import Asset
    from heritage_desk.services.suggestion_model import suggestions_from

    ex, x = toy(n=200)
    pred = Predictor(train_head(ex, x, FAST), "v1").predict(x[0], top_k=3)
    s = suggestions_from(Asset(1, "a.jpg", "0" * 64), pred, {}, top_k=3)
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


def _spread_years(n: int, seed: int) -> tuple[list, np.ndarray]:
    """Artists told apart by their features; each painted over 60 years the image cannot date."""
    from heritage_desk.ml import Example

    rng = np.random.default_rng(seed)
    centers = np.random.default_rng(0).normal(size=(4, 8)) * 3
    y = rng.integers(0, 4, n)
    x = (centers[y] + rng.normal(size=(n, 8))).astype(np.float32)
    ex = [
        Example(f"i{seed}_{i}.jpg", f"Artist {y[i]}", 1600 + 80 * int(y[i]) + int(rng.integers(60)))
        for i in range(n)
    ]
    return ex, x


def _coverage(p: Predictor, ex: list, x: np.ndarray) -> tuple[float, float]:
    """Share of true years inside the headline range, and the mean probability it states."""
    preds = p.predict_many(x, None, top_k=1, coverage=0.8)
    inside = [
        q.year.year_from <= e.year <= q.year.year_to
        for q, e in zip(preds, ex, strict=True)
        if q.year
    ]
    return float(np.mean(inside)), float(np.mean([q.year.range_probability for q in preds]))


def test_year_range_states_how_often_it_held_on_held_out_data() -> None:
    from heritage_desk.ml.evaluate import measure_reliability
    from heritage_desk.ml.predictor import fit_range_levels
    from heritage_desk.ml.reliability import Reliability

    tm = train_head(*_spread_years(800, 1), FAST)
    assert tm.reliability.ranges is not None and tm.reliability.ranges.source == "training"
    tm.decade_temperature = 0.2  # over-confident decades, like a model on unfamiliar images
    tm.range_levels = ()
    tm.reliability = Reliability()
    p = Predictor(tm)
    test_ex, test_x = _spread_years(1500, 3)
    held, stated = _coverage(p, test_ex, test_x)
    assert stated >= 0.8 and held < stated - 0.12  # the range claims more than it holds

    cal_ex, cal_x = _spread_years(600, 2)
    # Old checkpoints: one observed share per mass (range levels).
    pa, pd = p.probabilities(cal_x, [None] * len(cal_x))
    years = np.array([e.year for e in cal_ex])
    tm.range_levels = fit_range_levels(p, pa, pd, years)
    masses = [m for m, _ in tm.range_levels]
    observed = [c for _, c in tm.range_levels]
    assert masses == sorted(masses) and observed == sorted(observed)
    held, stated = _coverage(Predictor(tm), test_ex, test_x)
    assert stated >= 0.8 and abs(held - stated) < 0.06  # now "80%" is right about 80% of the time
    # Now: a share that depends on the range's width, measured on the same held-out works.
    tm.range_levels = ()
    tm.reliability = measure_reliability(p, cal_ex, cal_x, None, "catalogue")
    assert tm.reliability.ranges is not None and tm.reliability.ranges.coef[1] > 0
    held, stated = _coverage(Predictor(tm), test_ex, test_x)
    assert abs(held - stated) < 0.06


def test_train_head_measures_range_levels_and_checkpoints_keep_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from heritage_desk.ml import load_checkpoint, save_checkpoint

    ex, x = _spread_years(1200, 4)
    tm = train_head(ex, x, FAST)
    assert tm.range_levels and all(0 <= c <= 1 for _, c in tm.range_levels)
    back = load_checkpoint(save_checkpoint(tm, tmp_path / "m.safetensors"))
    assert back.range_levels == tm.range_levels
    a = Predictor(tm).predict(x[0])
    b = Predictor(back).predict(x[0])
    assert a.year == b.year


def test_range_levels_are_measured_on_the_collections_own_works() -> None:
    from dataclasses import replace

    from heritage_desk.ml.train import measure_range_levels

    ex, x = _spread_years(1200, 5)
    tm = train_head(ex, x, FAST)
    own, own_x = _spread_years(60, 6)
    stand_ins = [replace(e, image_path=f"exemplar:{i}", year=1500) for i, e in enumerate(ex[:90])]
    held_x = np.concatenate([own_x, x[:90]])
    assert measure_range_levels(tm, own + stand_ins, held_x) == measure_range_levels(tm, own, own_x)
    few = own[:20] + stand_ins  # too few of its own: the stand-ins count too
    assert measure_range_levels(tm, few, np.concatenate([own_x[:20], x[:90]])) != (
        measure_range_levels(tm, own[:20], own_x[:20])
    )


def _look_alike() -> tuple[list, np.ndarray, Predictor]:
    """Two artists whose images look alike, one working from 1650, the other from 1850."""
    from heritage_desk.ml import Example

    rng = np.random.default_rng(7)
    x = rng.normal(size=(600, 8)).astype(np.float32)
    ex = [
        Example(f"t{i}.jpg", f"Artist {i % 2}", 1650 + 200 * (i % 2) + int(rng.integers(30)))
        for i in range(600)
    ]
    return ex, x, Predictor(train_head(ex, x, FAST))


def test_a_known_date_tells_apart_artists_the_image_cannot() -> None:
    ex, x, p = _look_alike()
    assert p.vocab.decade_counts["Artist 0"] and p.vocab.decade_counts["Artist 1"]
    truth = np.array([i % 2 for i in range(600)])
    blind, _ = p.probabilities(x, [None] * 600)
    dated, _ = p.probabilities(x, [None] * 600, [(e.year, e.year) for e in ex])
    assert (blind.argmax(1) == truth).mean() < 0.7
    assert (dated.argmax(1) == truth).mean() > 0.95
    np.testing.assert_allclose(dated.sum(1), 1.0)
    # 1200: long before either worked (core.lifespan windows): neither can have painted it.
    outside, _ = p.probabilities(x[:5], [None] * 5, [(1200, 1210)] * 5)
    np.testing.assert_allclose(outside, 0.0)
    _pa, pu, _ = p.open_probabilities(x[:5], [None] * 5, [(1200, 1210)] * 5)
    np.testing.assert_allclose(pu, 1.0)
    many = p.predict_many(x[:2], None, top_k=1, known_years=[(ex[0].year, ex[0].year), None])
    assert many[0].artists[0].artist == "Artist 0"


def test_a_known_artist_dates_a_work_the_image_cannot() -> None:
    """The reverse: the record names the artist, and the suggested date follows their works."""
    _ex, _x, p = _look_alike()
    x = np.random.default_rng(8).normal(size=(200, 8)).astype(np.float32)  # new works
    artists = [f"Artist {i % 2}" for i in range(200)]
    years = np.array([1665 + 200 * (i % 2) for i in range(200)])  # the middle of each era

    def error(preds: list) -> float:
        return float(np.median(np.abs([q.year.year for q in preds] - years)))

    blind = p.predict_many(x, None, top_k=1)
    named = p.predict_many(x, None, top_k=1, known_artists=artists)
    assert error(blind) > 60  # the image alone cannot tell the era
    assert error(named) < 20
    lo, hi = named[1].year.year_from, named[1].year.year_to  # Artist 1: from 1850
    assert lo >= 1800 and hi <= 1950
    # A painter the model does not know: the image alone dates the work, not the painters the
    # model would suggest instead (before, the date followed its top candidate at p >= 0.5).
    stranger = p.predict_many(x, None, top_k=1, known_artists=["Someone Else"] * len(x))
    assert error(stranger) > 60
    _pa, pd = p.probabilities(x[:1], [None])
    alone = p.from_probabilities(np.full_like(_pa[0], 0.0), pd[0], 1, artist="Someone Else")
    got, want = stranger[0].year, alone.year  # whatever the artist probabilities
    assert (
        got
        and want
        and (got.decade, got.year_from, got.year_to)
        == (
            want.decade,
            want.year_from,
            want.year_to,
        )
    )
