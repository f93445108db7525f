"""How far a model's stated figures can be trusted, measured on works it did not learn from.

Two small fitted maps, saved with the checkpoint and refitted on each catalogue:

- `OpenSet`: p("none of the painters I know" | image) from the energy of the artist logits
  (logsumexp), a logistic fit on held-out works whose painter the model was not trained on
  (artists held out whole) against works of painters it knows. Its intercept carries the
  share of unknown painters where it was fitted, so a fit on a catalogue's own confirmed works
  states that catalogue's odds.
- `RangeReliability`: how often a year range held the truth, as a function of its width and
  the probability mass it was grown to (logistic in log width and logit mass), so a 5-year
  and a 370-year range do not state the same share.

`source` says where a fit comes from: "starter" (the data the shipped model was made from)
or "catalogue" (this catalogue's held-out confirmed works).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from heritage_desk.ml.calibration import fit_logistic, logit

#: Fewest rows, and fewest of each class, a fit needs; below that the prior is kept.
MIN_ROWS = 20
MIN_CLASS = 3
#: Masses a year range is grown to when its reliability is measured and when it is chosen.
RANGE_LEVELS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.96, 0.98, 0.99, 0.995, 1.0)
#: How strongly a catalogue fit is pulled toward the prior's slope (it has few rows), and
#: (weakly: its share of unknown painters is what a catalogue tells best) toward its intercept.
PRIOR_STRENGTH = 4.0
PRIOR_BIAS_STRENGTH = 0.1
#: With a prior to lean on, this many held-out works are enough to refit.
MIN_ROWS_WITH_PRIOR = 8


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass(frozen=True)
class OpenSet:
    """p(unknown painter) = sigmoid(weight * energy + bias), fitted on `n` rows."""

    weight: float
    bias: float
    n: int
    n_novel: int
    source: str

    def p_unknown(self, energy: np.ndarray) -> np.ndarray:
        return _sigmoid(self.weight * np.asarray(energy, dtype=np.float64) + self.bias)


@dataclass(frozen=True)
class RangeReliability:
    """p(range holds) = sigmoid(c0 + c1 * log(width) + c2 * logit(mass))."""

    coef: tuple[float, float, float]
    n: int
    source: str

    def held(self, width: np.ndarray | float, mass: np.ndarray | float) -> np.ndarray:
        w = np.log(np.maximum(np.asarray(width, dtype=np.float64), 1.0))
        m = logit(np.minimum(np.asarray(mass, dtype=np.float64), 0.999))
        c0, c1, c2 = self.coef
        return _sigmoid(c0 + c1 * w + c2 * m)


@dataclass(frozen=True)
class Reliability:
    """What a model's probabilities mean where it was measured."""

    open_set: OpenSet | None = None
    ranges: RangeReliability | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "open_set": asdict(self.open_set) if self.open_set else None,
            "ranges": asdict(self.ranges) if self.ranges else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Reliability:
        d = d or {}
        o, r = d.get("open_set"), d.get("ranges")
        open_set = (
            OpenSet(
                float(o["weight"]),
                float(o["bias"]),
                int(o["n"]),
                int(o["n_novel"]),
                str(o["source"]),
            )
            if o
            else None
        )
        ranges = None
        if r:
            c = [float(v) for v in r["coef"]]
            if len(c) != 3:
                raise ValueError(f"range reliability needs 3 coefficients, got {c}")
            ranges = RangeReliability((c[0], c[1], c[2]), int(r["n"]), str(r["source"]))
        values = [
            *(asdict(open_set).values() if open_set else []),
            *(ranges.coef if ranges else ()),
        ]
        if any(isinstance(v, float) and not np.isfinite(v) for v in values):
            raise ValueError("reliability coefficients must be finite")
        return cls(open_set, ranges)

    def merged(self, other: Reliability) -> Reliability:
        """`other`'s fits where it has them, else ours."""
        return Reliability(other.open_set or self.open_set, other.ranges or self.ranges)


def fit_open_set(
    energy: np.ndarray, novel: np.ndarray, source: str, prior: OpenSet | None = None
) -> OpenSet | None:
    """The open-set map fitted on held-out rows (novel = painter not trained on); None if too
    few rows. With a prior (e.g. the starter's), the slope is pulled toward the prior's and
    the intercept is free: a small catalogue mostly tells how many unknown painters it has."""
    e = np.asarray(energy, dtype=np.float64)
    y = np.asarray(novel, dtype=np.float64)
    n_novel = int(y.sum())
    if prior is None:
        if len(y) < MIN_ROWS or n_novel < MIN_CLASS or len(y) - n_novel < MIN_CLASS:
            return None
        w, b = fit_logistic(e[:, None], y, l2=1e-3)
    else:
        if len(y) < MIN_ROWS_WITH_PRIOR:
            return None
        w, b = fit_logistic(
            e[:, None],
            y,
            l2=np.array([PRIOR_STRENGTH, PRIOR_BIAS_STRENGTH]),
            center=np.array([prior.weight, prior.bias]),
        )
    return OpenSet(float(w[0]), float(b), len(y), n_novel, source)


def range_rows(
    widths_held: Sequence[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack (width, held) arrays over RANGE_LEVELS into (width, mass, held) columns."""
    w = np.concatenate([wh[0] for wh in widths_held])
    h = np.concatenate([wh[1] for wh in widths_held])
    m = np.concatenate(
        [np.full(len(wh[0]), q) for wh, q in zip(widths_held, RANGE_LEVELS, strict=True)]
    )
    return w, m, h


def fit_ranges(
    width: np.ndarray,
    mass: np.ndarray,
    held: np.ndarray,
    n_rows: int,
    source: str,
    prior: RangeReliability | None = None,
) -> RangeReliability | None:
    """The range map fitted on (width, mass, held) of held-out rows; None if too few rows.
    From MIN_ROWS rows the fit is free; with fewer, from MIN_ROWS_WITH_PRIOR on, it leans on
    a prior as the open set does: slopes pulled toward the prior's, the level mostly free (a
    small catalogue's 18 dated works held out would otherwise fall back to the prior whole,
    measured elsewhere; a museum blanking's ranges then held 0.41 where they stated 0.83)."""
    h = np.asarray(held, dtype=np.float64)
    fewest = MIN_ROWS if prior is None else MIN_ROWS_WITH_PRIOR
    if n_rows < fewest or h.sum() < MIN_CLASS or len(h) - h.sum() < MIN_CLASS:
        return None
    x = np.stack(
        [np.log(np.maximum(width, 1.0)), logit(np.minimum(np.asarray(mass, float), 0.999))], 1
    )
    # Each row appears once per level: weight the penalty as for n_rows independent rows.
    per_row = len(RANGE_LEVELS)
    if prior is None or n_rows >= MIN_ROWS:
        w, b = fit_logistic(x, h, l2=1e-2 * per_row)
    else:
        c0, c1, c2 = prior.coef
        w, b = fit_logistic(
            x,
            h,
            l2=per_row * np.array([PRIOR_STRENGTH, PRIOR_STRENGTH, PRIOR_BIAS_STRENGTH]),
            center=np.array([c1, c2, c0]),
        )
    return RangeReliability((float(b), float(w[0]), float(w[1])), n_rows, source)
