"""The one evaluator: scores a model through the Predictor curators see, and measures how far
its stated figures hold on held-out works (training, the retrain child, the activation gate).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from heritage_desk.core.lifespan import Window
from heritage_desk.core.names import parse_artist
from heritage_desk.core.yearbins import decade
from heritage_desk.ml.data import Example
from heritage_desk.ml.model import META_FIELDS
from heritage_desk.ml.predictor import Predictor
from heritage_desk.ml.reliability import (
    RANGE_LEVELS,
    Reliability,
    fit_open_set,
    fit_ranges,
    range_rows,
)


def contexts_of(examples: Sequence[Example]) -> list[dict[str, str | None]]:
    return [{f: getattr(e, f) for f in META_FIELDS} for e in examples]


def evaluate_items(
    predictor: Predictor,
    examples: Sequence[Example],
    feats: np.ndarray,
    windows: Sequence[Window | None] | None = None,
    dated_by: Sequence[str | None] | None = None,
) -> dict[str, float]:
    """Artist top-1 (same person by canonical key), and the headline decade's accuracy and
    year error, exactly as suggestions show them (the activation gate compares these).

    With `dated_by` (a catalogue's held-out works), each work is scored as its suggestion
    would be with its other field recorded: its artist with its date known, its date by the
    painter its record names (`dated_by[i]`), held to their working window (`windows[i]`).
    """
    out: dict[str, float] = {"n": float(len(examples))}
    if not len(examples):
        return out
    known = None
    if dated_by is not None:
        known = [(e.year, e.year) if e.year is not None else None for e in examples]
    preds = predictor.predict_many(
        np.asarray(feats),
        contexts_of(examples),
        top_k=1,
        known_years=known,
        artist_windows=windows,
        known_artists=dated_by,
    )
    keys = [parse_artist(a).key for a in predictor.vocab.artists]
    index = {a: i for i, a in enumerate(predictor.vocab.artists)}
    hits = [
        keys[index[p.artists[0].artist]] == parse_artist(e.artist).key
        for p, e in zip(preds, examples, strict=True)
        if e.artist and p.artists
    ]
    if hits:
        out["artist_top1"] = float(np.mean(hits))
        out["n_artist"] = float(len(hits))
    dated = [
        (p.year, e.year)
        for p, e in zip(preds, examples, strict=True)
        if e.year is not None and p.year is not None
    ]
    if dated:
        out["decade_acc"] = float(np.mean([y.decade == decade(t) for y, t in dated]))
        out["year_mae"] = float(np.mean([abs(y.year - t) for y, t in dated]))
        out["year_range_coverage"] = float(
            np.mean([y.year_from <= t <= y.year_to for y, t in dated])
        )
        out["year_range_stated"] = float(np.mean([y.range_probability for y, _ in dated]))
        out["n_year"] = float(len(dated))
    return out


def measure_reliability(
    predictor: Predictor,
    examples: Sequence[Example],
    feats: np.ndarray,
    novel: np.ndarray | None,
    source: str,
    prior: Reliability | None = None,
    windows: Sequence[Window | None] | None = None,
    dated_by: Sequence[str | None] | None = None,
) -> Reliability:
    """Open-set and range-reliability fits on held-out works (the model never learned them).

    `novel[i]`: the painter of row i is none the model was trained on (None: rows whose artist
    is outside the vocabulary). Rows without an artist take no part in the open-set fit. Where
    too few rows exist for a fit, `prior`'s is kept. `windows[i]`: the working window of the
    artist row i's record names (life dates), which bounds its date as in suggestions;
    `dated_by[i]`: the recorded artist whose works date it there (default: row i's artist).
    """
    prior = prior or Reliability()
    if not len(examples):
        return prior
    x = np.asarray(feats, dtype=np.float32)
    pa, pd, energy = predictor.scores(x, contexts_of(examples))
    has_artist = np.array([bool(e.artist) for e in examples])
    if novel is None:
        novel = np.array([predictor.vocab.artist_index(e.artist) is None for e in examples])
    open_set = fit_open_set(energy[has_artist], novel[has_artist], source, prior.open_set)
    fitted = prior.merged(Reliability(open_set=open_set))
    o = fitted.open_set
    pu = o.p_unknown(energy) if o is not None else np.zeros(len(x))
    pa_open = pa * (1 - pu)[:, None]
    rows = [i for i, e in enumerate(examples) if e.year is not None]
    per_level: list[tuple[list[float], list[float]]] = [([], []) for _ in RANGE_LEVELS]
    for i in rows:
        year = examples[i].year
        assert year is not None
        # The date as suggested for this record: the artist it names dates it (their works if
        # the model knows them, their life dates `windows[i]`), else the headline year.
        win = windows[i] if windows is not None else None
        by = dated_by[i] if dated_by is not None else examples[i].artist or None
        p, span = predictor.date_distribution(pa_open[i], pd[i], float(pu[i]), win, by)
        for k, mass in enumerate(RANGE_LEVELS):
            y0, y1, _ = predictor.interval(p, mass, span)
            per_level[k][0].append(y1 - y0 + 1)
            per_level[k][1].append(float(y0 <= year <= y1))
    if rows:
        w, m, h = range_rows([(np.array(a), np.array(b)) for a, b in per_level])
        ranges = fit_ranges(w, m, h, len(rows), source, prior.ranges)
        fitted = fitted.merged(Reliability(ranges=ranges))
    return fitted
