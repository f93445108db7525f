"""How far a model's stated figures can be trusted, measured on works it did not learn from.

Two small fitted maps, saved with the checkpoint and refitted on each catalogue:

- `OpenSet`: p("none of the painters I know" | image) from the energy of the artist logits
  (logsumexp), a logistic fit on held-out works whose painter the model was not trained on
  (artists held out whole) against works of painters it knows. Its intercept carries the
  share of unknown painters where it was fitted, so a fit on a catalogue's own confirmed works
  states that catalogue's odds.
- `RangeReliability`: how often a year range held the truth, as a function of its width and
  the probability mass it was grown to (logistic in log width and logit mass): it chooses how
  far each range is grown. Its shape comes from training (thousands of held-out works); on a
  catalogue, its level is set so the ranges it chooses hold the aimed-for share of the
  catalogue's own dated works (split conformal), and each range states how often the chosen
  ranges of its width class held there. A 5-year and a 370-year range do not state the same
  share, and neither states what a smooth fit would claim for it (on a museum's records,
  one-decade ranges stated 0.83 and held 0.52).

`source` says where a fit comes from: "starter" (the data the shipped model was made from)
or "catalogue" (this catalogue's held-out confirmed works).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from heritage_desk.ml.calibration import fit_logistic, logit

#: Fewest rows, and fewest of each class, a fit needs; below that the prior is kept.
MIN_ROWS = 20
MIN_CLASS = 3
#: Masses a year range is grown to when its reliability is measured and when it is chosen.
RANGE_LEVELS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.96, 0.98, 0.99, 0.995, 1.0)
#: How strongly a catalogue's open-set fit is pulled toward the prior's slope (it has few
#: rows), and (weakly: its share of unknown painters is what a catalogue tells best) toward
#: its intercept.
PRIOR_STRENGTH = 4.0
PRIOR_BIAS_STRENGTH = 0.1
#: With a prior to lean on, this many held-out works are enough to refit.
MIN_ROWS_WITH_PRIOR = 8
#: Held-out dated works from which a range map's shape is fitted on them, not taken from
#: its prior.
SHAPE_ROWS = 500
#: The share a year range aims to hold (suggestions' default coverage).
COVERAGE = 0.8
#: Width classes (inclusive upper bounds, years; then any wider) a range's stated share is
#: measured by: one decade, a generation, half a century, a century, more.
WIDTH_CLASSES = (10, 25, 50, 100)
#: Pseudo-rows pulling a width class's measured share toward that of all chosen ranges (a
#: catalogue has a handful of ranges in some classes).
CLASS_PRIOR_ROWS = 5.0
#: How far (in log-odds) a catalogue may move a fit's level to make its ranges hold.
SEARCH = 30.0


def width_class(width: float) -> int:
    """Index into a fit's `shares`: 0 for ranges of 10 years or less, ... 4 for over 100."""
    return sum(width > top for top in WIDTH_CLASSES)


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
    """p(range holds) = sigmoid(c0 + c1 * log(width) + c2 * logit(mass)) chooses a range;
    `shares[width_class(width)]`, measured at `coverage`, is what it states (older fits have
    no shares and state the modelled figure)."""

    coef: tuple[float, float, float]
    n: int
    source: str
    shares: tuple[float, ...] = ()
    coverage: float = COVERAGE

    def held(self, width: np.ndarray | float, mass: np.ndarray | float) -> np.ndarray:
        w = np.log(np.maximum(np.asarray(width, dtype=np.float64), 1.0))
        m = logit(np.minimum(np.asarray(mass, dtype=np.float64), 0.999))
        c0, c1, c2 = self.coef
        return _sigmoid(c0 + c1 * w + c2 * m)

    def choose(self, width_at: Callable[[float], int], coverage: float) -> tuple[float, float]:
        """The mass to grow a range to, the narrowest of RANGE_LEVELS whose modelled share
        reaches `coverage` (else the widest), and the share that range states."""
        mass, width, prob = RANGE_LEVELS[-1], 0, 0.0
        for mass in RANGE_LEVELS:
            width = width_at(mass)
            prob = float(self.held(width, mass))
            if prob >= coverage:
                break
        if self.shares and abs(coverage - self.coverage) < 1e-9:
            prob = self.shares[width_class(width)]
        return mass, prob


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
            shares = tuple(float(v) for v in r.get("shares") or ())
            if shares and len(shares) != len(WIDTH_CLASSES) + 1:
                raise ValueError(f"range reliability needs {len(WIDTH_CLASSES) + 1} shares")
            ranges = RangeReliability(
                (c[0], c[1], c[2]),
                int(r["n"]),
                str(r["source"]),
                shares,
                float(r.get("coverage", COVERAGE)),
            )
        values = [
            *(asdict(open_set).values() if open_set else []),
            *(ranges.coef if ranges else ()),
            *(ranges.shares if ranges else ()),
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
    coverage: float = COVERAGE,
) -> RangeReliability | None:
    """The range map for held-out rows (stacked by range_rows); None if too few rows.

    Its shape, how a range's odds change with its width and mass, is fitted on these rows
    when there is no prior or they are many (SHAPE_ROWS); else it is the prior's, fitted on
    thousands of works: a catalogue's 20-80 dated works tell a steady level but not a shape
    (their own slopes chose one-decade ranges that held half the time; a retrain's 18
    held-out works, ranges that held 0.22). Its level and shares are then measured on these
    rows (`measured_on`), from MIN_ROWS_WITH_PRIOR rows when a prior gives the shape."""
    h = np.asarray(held, dtype=np.float64)
    fewest = MIN_ROWS if prior is None else MIN_ROWS_WITH_PRIOR
    if n_rows < fewest or h.sum() < MIN_CLASS or len(h) - h.sum() < MIN_CLASS:
        return None
    if prior is None or n_rows >= SHAPE_ROWS:
        x = np.stack(
            [np.log(np.maximum(width, 1.0)), logit(np.minimum(np.asarray(mass, float), 0.999))],
            1,
        )
        # Each row appears once per level: weight the penalty as for n_rows independent rows.
        w, b = fit_logistic(x, h, l2=1e-2 * len(RANGE_LEVELS))
        coef = (float(b), float(w[0]), float(w[1]))
    else:
        coef = prior.coef
    return measured_on(RangeReliability(coef, n_rows, source), width, h, n_rows, coverage)


def measured_on(
    fit: RangeReliability, width: np.ndarray, held: np.ndarray, n_rows: int, coverage: float
) -> RangeReliability:
    """`fit` with its level set on these rows (stacked by range_rows) and its shares measured
    there. The fit's slopes say how a range's odds change with its width and mass; the rows
    say how often the ranges it chooses hold. Its intercept is moved until they hold for
    `coverage` of the rows, counted as split conformal prediction counts (ceil((n + 1) x
    coverage) of n), and no further: a smooth fit on 18 held-out works otherwise chose ranges
    that held 0.22. The shares: how often the chosen ranges held, by width class, each pulled
    toward the share of all rows by CLASS_PRIOR_ROWS."""
    levels = np.asarray(RANGE_LEVELS)[:, None]
    w = np.asarray(width, dtype=np.float64).reshape(len(RANGE_LEVELS), n_rows)
    h = np.asarray(held, dtype=np.float64).reshape(len(RANGE_LEVELS), n_rows)
    rows = np.arange(n_rows)

    def chosen(c0: float) -> tuple[RangeReliability, np.ndarray]:
        """The fit at level c0, and the level index `choose` picks for each row."""
        f = RangeReliability((c0, fit.coef[1], fit.coef[2]), fit.n, fit.source)
        ok = f.held(w, levels) >= coverage
        return f, np.where(ok.any(0), ok.argmax(0), len(RANGE_LEVELS) - 1)

    def hits(c0: float) -> float:
        return float(h[chosen(c0)[1], rows].sum())

    need = min(math.ceil((n_rows + 1) * coverage), n_rows)
    wide, narrow = fit.coef[0] - SEARCH, fit.coef[0] + SEARCH  # lower intercept, wider ranges
    if hits(narrow) >= need:
        wide = narrow
    elif hits(wide) >= need:
        for _ in range(50):
            mid = (wide + narrow) / 2
            wide, narrow = (mid, narrow) if hits(mid) >= need else (wide, mid)
    tuned, k = chosen(wide)
    got = h[k, rows]
    classes = np.array([width_class(v) for v in w[k, rows]])
    overall = float(got.mean())
    shares = tuple(
        float((got[classes == c].sum() + CLASS_PRIOR_ROWS * overall)
              / ((classes == c).sum() + CLASS_PRIOR_ROWS))
        for c in range(len(WIDTH_CLASSES) + 1)
    )  # fmt: skip
    return RangeReliability(tuned.coef, fit.n, fit.source, shares, coverage)
