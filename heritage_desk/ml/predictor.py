"""Suggestions: calibrated top-k artists and a year range consistent with them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from heritage_desk.core.lifespan import Window, decade_weights, window_for
from heritage_desk.core.yearbins import BIN_WIDTH
from heritage_desk.ml.checkpoint import load_checkpoint
from heritage_desk.ml.reliability import RANGE_LEVELS, Reliability
from heritage_desk.ml.trained import TrainedModel

Context = Mapping[str, str | None]
#: First and last year a work may have been made in (equal for an exact year).
YearSpan = tuple[int, int]


@dataclass(frozen=True)
class YearRange:
    """A most likely decade and a year range that holds the truth with `range_probability`."""

    decade: int
    decade_probability: float
    year: int  # point estimate: the median of the decade distribution, inside the range
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
    #: p("none of the painters I know"): the painter is outside the vocabulary.
    unknown: float = 0.0


class Predictor:
    """Loaded once, used from one worker thread under inference mode."""

    def __init__(self, trained: TrainedModel, version: str | None = None) -> None:
        self.trained = trained
        self.model = trained.model.eval()
        self.vocab = trained.vocab
        self.version = version or (trained.data_hash[:12] or "unversioned")
        #: Where the stated figures were measured; a catalogue's own fit replaces the prior.
        self.reliability: Reliability = trained.reliability
        self._life: dict[int, Window] = {}
        self._window_weights: dict[Window | None, np.ndarray] = {}
        self._set_windows()
        # p(decade | artist) from the dated works seen in training, add-half smoothed; artists
        # with none are neutral (uniform), so a known date never rules out the undocumented.
        dec = np.asarray(self.vocab.decades)
        lik = np.full((len(self.vocab.artists), len(dec)), 1.0 / len(dec))
        for i, a in enumerate(self.vocab.artists):
            counts = self.vocab.decade_counts.get(a)
            if counts:
                row = np.full(len(dec), 0.5)
                for d, n in counts.items():
                    row[self.vocab.decade_index(d)] += n
                lik[i] = row / row.sum()
        self._decade_given_artist = lik
        # An unknown painter's date is as likely as any work's: the decades of all dated works.
        total = np.full(len(dec), 0.5)
        for counts in self.vocab.decade_counts.values():
            for d, n in counts.items():
                total[self.vocab.decade_index(d)] += n
        self._decade_marginal = total / total.sum()

    def _set_windows(self) -> None:
        """Each artist's working window (core.lifespan) and its mask over the decade bins."""
        self.windows: list[Window | None] = [
            window_for(self._life.get(i), self.vocab.active_years.get(a))
            for i, a in enumerate(self.vocab.artists)
        ]
        mask = np.ones((len(self.vocab.artists), len(self.vocab.decades)), dtype=np.float64)
        for i, w in enumerate(self.windows):
            if w is not None:
                mask[i] = self.window_mask(w)
        self._active_mask = mask

    def set_life_dates(self, windows: Mapping[str, Window]) -> None:
        """Working windows from life dates the catalogue records, by artist name (any spelling)."""
        life = {}
        for name, w in windows.items():
            i = self.vocab.artist_index(name)
            if i is not None:
                life[i] = w
        if life != self._life:
            self._life = life
            self._set_windows()

    def window_mask(self, window: Window | None) -> np.ndarray:
        """[Dc] how far a work inside `window` can fall in each decade bin (core.lifespan);
        kept per window (a catalogue has a few hundred painters, and many works each)."""
        got = self._window_weights.get(window)
        if got is None:
            got = np.asarray(decade_weights(window, self.vocab.decades, BIN_WIDTH))
            got.setflags(write=False)  # shared by every row held to this window
            self._window_weights[window] = got
        return got

    @classmethod
    def load(cls, path: str | Path, version: str | None = None) -> Predictor:
        """A predictor for a checkpoint file (CheckpointError if it is not a valid one)."""
        return cls(load_checkpoint(path), version or Path(path).stem)

    @property
    def backbone(self) -> str:
        return self.trained.backbone

    @torch.inference_mode()
    def scores(
        self, embeddings: np.ndarray, contexts: Sequence[Context | None]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated closed-set artist [N,A] and decade [N,Dc] probabilities, and the energy
        (logsumexp of the artist logits) [N] that tells known painters from unknown ones."""
        x = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
        meta = self.vocab.encode_meta([dict(c or {}) for c in contexts])
        za, zd = self.model(x, meta)
        pa = torch.softmax(za / self.trained.artist_temperature, 1).double().numpy()
        pd = torch.softmax(zd / self.trained.decade_temperature, 1).double().numpy()
        return pa, pd, torch.logsumexp(za, 1).double().numpy()

    def probabilities(
        self,
        embeddings: np.ndarray,
        contexts: Sequence[Context | None],
        known_years: Sequence[YearSpan | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated artist [N,A] (among the painters it knows) and decade [N,Dc] probabilities.

        Where a row's creation years are known (`known_years`, e.g. (1870, 1880)), painters
        not working then are ruled out (core.lifespan) and the others weighed by how often
        they painted then: p(artist | image, fields, date) ~ p(artist | ...) p(decade | artist).
        """
        pa, pd, _ = self.scores(embeddings, contexts)
        pa, _ = self._with_dates(pa, np.zeros(len(pa)), known_years)
        return pa, pd

    def open_probabilities(
        self,
        embeddings: np.ndarray,
        contexts: Sequence[Context | None],
        known_years: Sequence[YearSpan | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Artist [N,A] and "none of the painters I know" [N] probabilities (each row sums to
        1 over both), and decade [N,Dc]. Without an open-set fit the unknown share is 0."""
        pa, pd, energy = self.scores(embeddings, contexts)
        o = self.reliability.open_set
        pu = o.p_unknown(energy) if o is not None else np.zeros(len(pa))
        pa, pu = self._with_dates(pa * (1 - pu)[:, None], pu, known_years)
        return pa, pu, pd

    def _with_dates(
        self, pa: np.ndarray, pu: np.ndarray, known_years: Sequence[YearSpan | None] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Bayes with a known date: an unknown painter's date is distributed like all works'."""
        pa, pu = pa.copy(), pu.copy()
        dec = np.asarray(self.vocab.decades)
        for i, span in enumerate(known_years or ()):
            if span is None:
                continue
            lo_y, hi_y = min(span), max(span)
            ok = np.array([w is None or (lo_y <= w[1] and hi_y >= w[0]) for w in self.windows])
            inside = (dec + BIN_WIDTH - 1 >= lo_y) & (dec <= hi_y)
            lik = self._decade_given_artist[:, inside].mean(1) if inside.any() else 1.0 / len(dec)
            w = pa[i] * lik * ok
            wu = pu[i] * (self._decade_marginal[inside].mean() if inside.any() else 1.0 / len(dec))
            total = w.sum() + wu
            if total > 0:
                pa[i], pu[i] = w / total, wu / total
            else:  # every painter it knows is ruled out, and there is no open-set fit
                pa[i], pu[i] = 0.0, 1.0
        return pa, pu

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
        artist_windows: Sequence[Window | None] | None = None,
        known_artists: Sequence[str | None] | None = None,
    ) -> list[Prediction]:
        """Suggestions for a batch: embeddings [N,D], one context dict (or None) per row, the
        creation years where known (they sharpen the artist; see `probabilities`), the
        working window of an artist the record names (it bounds the suggested date), and
        that artist's name where the date should follow their dated works (`dated_by`)."""
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[1] != self.model.config.feature_dim:
            raise ValueError(
                f"embeddings must be [N, {self.model.config.feature_dim}] from backbone "
                f"{self.backbone!r}; got {emb.shape}"
            )
        ctx = list(contexts) if contexts is not None else [None] * len(emb)
        pa, pu, pd = self.open_probabilities(emb, ctx, known_years)
        wins = list(artist_windows) if artist_windows is not None else [None] * len(emb)
        names = list(known_artists) if known_artists is not None else [None] * len(emb)
        return [
            self.from_probabilities(pa[i], pd[i], top_k, coverage, pu[i], wins[i], names[i])
            for i in range(len(emb))
        ]

    def dated_by(self, artist: int, pd: np.ndarray) -> np.ndarray:
        """[Dc] the decade of a work known to be by `artist`: the image's decade distribution
        times how often the artist's dated training works fall in each decade, held to their
        active years. The reverse of `_with_dates` (a known date weighs the artists)."""
        q = pd * self._decade_given_artist[artist] * self._active_mask[artist]
        return q / q.sum() if q.sum() > 1e-12 else self.year_given_artists(pd)[artist]

    def year_given_artists(self, pd: np.ndarray) -> np.ndarray:
        """[A,Dc]: the decade distribution restricted to each artist's active years."""
        q = pd[None, :] * self._active_mask
        s = q.sum(1, keepdims=True)
        fallback = self._active_mask / np.maximum(self._active_mask.sum(1, keepdims=True), 1)
        return np.where(s > 1e-12, q / np.maximum(s, 1e-300), fallback)

    def from_probabilities(
        self,
        pa: np.ndarray,
        pd: np.ndarray,
        top_k: int = 5,
        coverage: float = 0.8,
        unknown: float = 0.0,
        window: Window | None = None,
        artist: str | None = None,
    ) -> Prediction:
        """The prediction for one row (artist [A], decade [Dc], p(unknown painter)). When the
        record names the artist, `window` (their life dates) bounds the date and `artist`
        dates it: by their works when the model knows them (`dated_by`), else by the image
        alone; never by the painters the model would suggest instead."""
        pd = self._held_to(pd, window)
        cond = self.year_given_artists(pd)
        order = np.argsort(-pa)[: max(1, min(top_k, len(pa)))]
        cands = [
            ArtistCandidate(
                self.vocab.artists[j],
                float(pa[j]),
                r + 1,
                self._range(cond[j], coverage, self.windows[j]),
            )
            for r, j in enumerate(order)
        ]
        p, span = self._date(pa, pd, cond, unknown, window, artist)
        year = self._range(p, coverage, span)
        return Prediction(cands, year, self.version, float(unknown))

    def date_distribution(
        self,
        pa: np.ndarray,
        pd: np.ndarray,
        unknown: float = 0.0,
        window: Window | None = None,
        artist: str | None = None,
    ) -> tuple[np.ndarray, Window | None]:
        """The decade distribution behind a row's suggested date, and the window it is held
        to (see from_probabilities); the range reliability is measured on the same."""
        held = self._held_to(pd, window)
        return self._date(pa, held, self.year_given_artists(held), unknown, window, artist)

    def _held_to(self, pd: np.ndarray, window: Window | None) -> np.ndarray:
        """The decade distribution restricted to a life-date window (unchanged if none fits)."""
        if window is None:
            return pd
        masked = pd * self.window_mask(window)
        return masked / masked.sum() if masked.sum() > 0 else pd

    def _date(
        self,
        pa: np.ndarray,
        pd: np.ndarray,
        cond: np.ndarray,
        unknown: float,
        window: Window | None,
        artist: str | None,
    ) -> tuple[np.ndarray, Window | None]:
        """date_distribution on a `pd` already held to `window`, with its year_given_artists."""
        j = self.vocab.artist_index(artist)
        if j is not None:
            return self.dated_by(j, pd), window or self.windows[j]
        if artist is not None:
            return pd, window
        p, span = self._headline(pa, cond, pd, unknown)
        return p, span or window

    def _headline(
        self, pa: np.ndarray, cond: np.ndarray, pd: np.ndarray, unknown: float = 0.0
    ) -> tuple[np.ndarray, Window | None]:
        # The headline year mixes the per-artist distributions by artist probability (an
        # unknown painter's by the unrestricted decade head); when one artist dominates it is
        # that artist's year, so it agrees with the top suggestion.
        top = int(np.argmax(pa))
        if pa[top] >= 0.5:
            return cond[top], self.windows[top]
        return pa @ cond + unknown * pd, None

    def interval(self, p: np.ndarray, mass: float, span: Window | None) -> tuple[int, int, float]:
        """Years of the interval grown from the mode of `p` to `mass`, held to `span`."""
        dec = self.vocab.decades
        lo, hi, got = grow_interval(p, mass * p.sum())
        y0, y1 = dec[lo], dec[hi] + BIN_WIDTH - 1
        if span:
            y0, y1 = max(y0, span[0]), min(y1, span[1])
            if y0 > y1:
                y0, y1 = span
        return y0, y1, got / p.sum()

    def _range(self, p: np.ndarray, coverage: float, span: Window | None) -> YearRange | None:
        """Most likely decade, median year, and a grown interval that holds the truth about
        `coverage` of the time, with the share it is expected to hold.

        With a range reliability fit (measured on held-out works), it chooses the level and
        the share stated (how often ranges of that width held there); older checkpoints use
        their range levels (one share per mass).
        """
        if p.sum() <= 0:
            return None
        dec = self.vocab.decades
        best = int(np.argmax(p))
        med = min(int(np.searchsorted(np.cumsum(p), 0.5 * p.sum())), len(p) - 1)
        year = dec[med] + BIN_WIDTH // 2
        if span:
            year = min(max(year, span[0]), span[1])

        def bounds(mass: float) -> tuple[int, int, float]:
            return self.interval(p, mass, span)

        def width(mass: float) -> int:
            y0, y1, _ = bounds(mass)
            return y1 - y0 + 1

        rel = self.reliability.ranges
        if rel is not None:
            mass, prob = rel.choose(width, coverage)
            y0, y1, _ = bounds(mass)
        else:
            target, legacy = coverage, None
            for mass, observed in self.trained.range_levels:
                if observed >= coverage:
                    target, legacy = mass, observed
                    break
            else:
                if self.trained.range_levels:  # even the widest level fell short: say so
                    target, legacy = self.trained.range_levels[-1]
            y0, y1, mass_got = bounds(target)
            prob = legacy if legacy is not None else min(mass_got, 1.0)
        share = float(p[best] / p.sum())
        return YearRange(dec[best], share, min(max(year, y0), y1), y0, y1, prob)


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
        p, span = predictor.date_distribution(pa[i], pd[i])
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
