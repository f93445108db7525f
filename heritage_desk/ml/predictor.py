"""Suggestions: calibrated top-k artists and a year range consistent with them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from heritage_desk.core.yearbins import BIN_WIDTH
from heritage_desk.ml.checkpoint import load_checkpoint
from heritage_desk.ml.trained import TrainedModel

Context = Mapping[str, str | None]
#: First and last year a work may have been made in (equal for an exact year).
YearSpan = tuple[int, int]


@dataclass(frozen=True)
class YearRange:
    """A most likely decade and a year range that holds the truth with `range_probability`."""

    decade: int
    decade_probability: float
    year: int  # point estimate (median of the decade distribution)
    year_from: int
    year_to: int
    range_probability: float


@dataclass(frozen=True)
class ArtistCandidate:
    """One ranked artist; `year` is conditioned on this artist (inside their active years)."""

    artist: str
    probability: float
    rank: int
    year: YearRange | None


@dataclass(frozen=True)
class Prediction:
    """What the model suggests for one asset."""

    artists: list[ArtistCandidate]
    year: YearRange | None
    model_version: str


class Predictor:
    """Loaded once, used from one worker thread under inference mode."""

    def __init__(self, trained: TrainedModel, version: str | None = None) -> None:
        self.trained = trained
        self.model = trained.model.eval()
        self.vocab = trained.vocab
        self.version = version or (trained.data_hash[:12] or "unversioned")
        dec = np.asarray(self.vocab.decades)
        mask = np.ones((len(self.vocab.artists), len(dec)), dtype=np.float64)
        for i, a in enumerate(self.vocab.artists):
            span = self.vocab.active_years.get(a)
            if span:
                mask[i] = (dec + BIN_WIDTH - 1 >= span[0]) & (dec <= span[1])
        self._active_mask = mask
        # p(decade | artist) from the dated works seen in training, add-half smoothed; artists
        # with none are neutral (uniform), so a known date never rules out the undocumented.
        lik = np.full((len(self.vocab.artists), len(dec)), 1.0 / len(dec))
        for i, a in enumerate(self.vocab.artists):
            counts = self.vocab.decade_counts.get(a)
            if counts:
                row = np.full(len(dec), 0.5)
                for d, n in counts.items():
                    row[self.vocab.decade_index(d)] += n
                lik[i] = row / row.sum()
        self._decade_given_artist = lik

    @classmethod
    def load(cls, path: str | Path, version: str | None = None) -> Predictor:
        """A predictor for a checkpoint file (CheckpointError if it is not a valid one)."""
        return cls(load_checkpoint(path), version or Path(path).stem)

    @property
    def backbone(self) -> str:
        return self.trained.backbone

    @torch.inference_mode()
    def probabilities(
        self,
        embeddings: np.ndarray,
        contexts: Sequence[Context | None],
        known_years: Sequence[YearSpan | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated artist [N,A] and decade [N,Dc] probabilities.

        Where a row's creation years are known (`known_years`, e.g. (1870, 1880)), the artist
        probabilities also weigh how often each artist painted then: p(artist | image, fields,
        date) ~ p(artist | image, fields) * p(decade | artist).
        """
        x = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
        meta = self.vocab.encode_meta([dict(c or {}) for c in contexts])
        za, zd = self.model(x, meta)
        pa = torch.softmax(za / self.trained.artist_temperature, 1).double().numpy()
        pd = torch.softmax(zd / self.trained.decade_temperature, 1).double().numpy()
        first, last = self.vocab.decades[0], self.vocab.decades[-1] + BIN_WIDTH - 1
        for i, span in enumerate(known_years or ()):
            if span is not None and span[1] >= first and span[0] <= last:  # else: no evidence
                lo, hi = self.vocab.decade_index(span[0]), self.vocab.decade_index(span[1])
                w = pa[i] * self._decade_given_artist[:, min(lo, hi) : max(lo, hi) + 1].mean(1)
                pa[i] = w / w.sum() if w.sum() > 0 else pa[i]
        return pa, pd

    def predict(
        self,
        embedding: np.ndarray,
        context: Context | None = None,
        top_k: int = 5,
        coverage: float = 0.8,
    ) -> Prediction:
        """Suggestions for one asset from its embedding [D] and known context (None = unknown)."""
        return self.predict_many(np.asarray(embedding)[None], [context], top_k, coverage)[0]

    def predict_many(
        self,
        embeddings: np.ndarray,
        contexts: Sequence[Context | None] | None = None,
        top_k: int = 5,
        coverage: float = 0.8,
        known_years: Sequence[YearSpan | None] | None = None,
    ) -> list[Prediction]:
        """Suggestions for a batch: embeddings [N,D], one context dict (or None) per row, and
        the creation years where known (they sharpen the artist; see `probabilities`)."""
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[1] != self.model.config.feature_dim:
            raise ValueError(
                f"embeddings must be [N, {self.model.config.feature_dim}] from backbone "
                f"{self.backbone!r}; got {emb.shape}"
            )
        ctx = list(contexts) if contexts is not None else [None] * len(emb)
        pa, pd = self.probabilities(emb, ctx, known_years)
        return [self.from_probabilities(pa[i], pd[i], top_k, coverage) for i in range(len(emb))]

    def year_given_artists(self, pd: np.ndarray) -> np.ndarray:
        """[A,Dc]: the decade distribution restricted to each artist's active years."""
        q = pd[None, :] * self._active_mask
        s = q.sum(1, keepdims=True)
        fallback = self._active_mask / np.maximum(self._active_mask.sum(1, keepdims=True), 1)
        return np.where(s > 1e-12, q / np.maximum(s, 1e-300), fallback)

    def from_probabilities(
        self, pa: np.ndarray, pd: np.ndarray, top_k: int = 5, coverage: float = 0.8
    ) -> Prediction:
        """The prediction for one row of `probabilities()` (artist [A], decade [Dc])."""
        cond = self.year_given_artists(pd)
        order = np.argsort(-pa)[: max(1, min(top_k, len(pa)))]
        cands = [
            ArtistCandidate(
                self.vocab.artists[j],
                float(pa[j]),
                r + 1,
                self._range(cond[j], coverage, self.vocab.active_years.get(self.vocab.artists[j])),
            )
            for r, j in enumerate(order)
        ]
        p, span = self._headline(pa, cond)
        year = self._range(p, coverage, span)
        return Prediction(cands, year, self.version)

    def headline_distribution(
        self, pa: np.ndarray, pd: np.ndarray
    ) -> tuple[np.ndarray, tuple[int, int] | None]:
        """The decade distribution behind the headline year, and the active years it is held to."""
        return self._headline(pa, self.year_given_artists(pd))

    def _headline(
        self, pa: np.ndarray, cond: np.ndarray
    ) -> tuple[np.ndarray, tuple[int, int] | None]:
        # The headline year mixes the per-artist distributions by artist probability; when one
        # artist dominates it is that artist's year, so it agrees with the top suggestion.
        top = int(np.argmax(pa))
        if pa[top] >= 0.5:
            return cond[top], self.vocab.active_years.get(self.vocab.artists[top])
        return pa @ cond, None

    def _range(
        self, p: np.ndarray, coverage: float, span: tuple[int, int] | None
    ) -> YearRange | None:
        """Most likely decade, median year, and the shortest grown interval reaching `coverage`.

        With range levels measured on held-out data, the interval is grown to the mass that
        held the truth `coverage` of the time there, and that observed share is what it states.
        """
        if p.sum() <= 0:
            return None
        target, stated = coverage, None
        for mass, observed in self.trained.range_levels:
            if observed >= coverage:
                target, stated = mass, observed
                break
        else:
            if self.trained.range_levels:  # even the widest level fell short: say so
                target, stated = self.trained.range_levels[-1]
        dec = self.vocab.decades
        best = int(np.argmax(p))
        lo, hi, mass = grow_interval(p, target)
        med = int(np.searchsorted(np.cumsum(p), 0.5 * p.sum()))
        med = min(med, len(p) - 1)
        year, y0, y1 = dec[med] + BIN_WIDTH // 2, dec[lo], dec[hi] + BIN_WIDTH - 1
        if span:
            year = min(max(year, span[0]), span[1])
            y0, y1 = max(y0, span[0]), min(y1, span[1])
        prob = stated if stated is not None else min(mass, 1.0)
        return YearRange(dec[best], float(p[best]), year, y0, y1, prob)


def grow_interval(p: np.ndarray, target: float) -> tuple[int, int, float]:
    """Bins [lo, hi] grown from the mode toward the heavier side until they hold `target`."""
    best = int(np.argmax(p))
    lo = hi = best
    mass = float(p[best])
    while mass < target and (lo > 0 or hi < len(p) - 1):
        left = p[lo - 1] if lo > 0 else -1.0
        right = p[hi + 1] if hi < len(p) - 1 else -1.0
        if left >= right:
            lo -= 1
            mass += float(left)
        else:
            hi += 1
            mass += float(right)
    return lo, hi, mass


#: Masses at which held-out coverage of the year range is measured.
RANGE_LEVELS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.96, 0.98, 0.99, 0.995, 1.0)


def fit_range_levels(
    predictor: Predictor, pa: np.ndarray, pd: np.ndarray, years: np.ndarray, min_rows: int = 30
) -> tuple[tuple[float, float], ...]:
    """How often the headline range grown to each mass held the true year, on held-out rows.

    `pa`, `pd`: calibrated probabilities of rows with a known year; `years`: those years.
    Observed shares are made non-decreasing in the mass. () when there are too few rows.
    """
    if len(years) < min_rows:
        return ()
    dec = np.asarray(predictor.vocab.decades)
    hits = np.zeros(len(RANGE_LEVELS))
    for i in range(len(years)):
        p, span = predictor.headline_distribution(pa[i], pd[i])
        for k, level in enumerate(RANGE_LEVELS):
            lo, hi, _ = grow_interval(p, level)
            y0, y1 = int(dec[lo]), int(dec[hi]) + BIN_WIDTH - 1
            if span:
                y0, y1 = max(y0, span[0]), min(y1, span[1])
            hits[k] += y0 <= years[i] <= y1
    observed = np.maximum.accumulate(hits / len(years))
    return tuple(
        (float(q), round(float(c), 4)) for q, c in zip(RANGE_LEVELS, observed, strict=True)
    )
