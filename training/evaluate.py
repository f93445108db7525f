"""Evaluate a checkpoint on a dataset folder: flat JSON metrics + a confusion-matrix PNG.

python -m training.evaluate --checkpoint PATH --data DIR [--subset-file F --subset NAME] --json OUT
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from heritage_desk.ml import Example, Predictor
from heritage_desk.ml.calibration import expected_calibration_error
from heritage_desk.ml.metrics import artist_metrics, confusion_matrix, year_metrics
from heritage_desk.ml.model import META_FIELDS
from training.data import DEFAULT_CACHE, embed_examples, read_examples


def headline_years(
    pred: Predictor,
    pa: np.ndarray,
    pd: np.ndarray,
    coverage: float = 0.8,
    artists: Sequence[str | None] | None = None,
) -> dict[str, np.ndarray]:
    """Headline decade, year and range (with its stated probability) per row, as the app shows;
    `artists`: the artist the record names per row (the date then follows their works)."""
    by = list(artists) if artists is not None else [None] * len(pa)
    rows = [
        pred.from_probabilities(pa[i], pd[i], 1, coverage, artist=by[i]).year
        for i in range(len(pa))
    ]
    cols = {"decade": "decade", "year": "year", "lo": "year_from", "hi": "year_to"}
    out = {k: np.array([getattr(y, a) if y else 0 for y in rows]) for k, a in cols.items()}
    out["stated"] = np.array([y.range_probability if y else 0.0 for y in rows])
    return out


def score(
    predictor: Predictor,
    examples: Sequence[Example],
    embeddings: np.ndarray,
    use_context: bool = True,
) -> tuple[dict[str, float], np.ndarray]:
    """Flat metrics and the artist confusion matrix of `predictor` on labelled examples."""
    ctx = [{f: getattr(e, f) for f in META_FIELDS} if use_context else None for e in examples]
    pa, pd = predictor.probabilities(embeddings, ctx)
    idx = [predictor.vocab.artist_index(e.artist) for e in examples]
    known = np.array([i is not None for i in idx])
    n_unknown = sum(1 for e, i in zip(examples, idx, strict=True) if e.artist and i is None)
    targets = np.array([i for i in idx if i is not None], dtype=np.int64)
    out: dict[str, float] = {"n": float(len(examples)), "n_unknown_artist": float(n_unknown)}
    out.update(artist_metrics(pa[known], targets))
    has_year = np.array([e.year is not None for e in examples])
    h = headline_years(predictor, pa[has_year], pd[has_year])
    true_years = np.array([e.year for e in examples if e.year is not None], dtype=np.int64)
    out.update(year_metrics(h["decade"], h["year"], (true_years // 10) * 10, true_years))
    out["n_with_year"] = float(has_year.sum())
    if has_year.any():  # does "1870-1899, 80%" hold the truth 80% of the time?
        inside = (h["lo"] <= true_years) & (true_years <= h["hi"])
        out["year_range_coverage"] = float(inside.mean())
        out["year_range_stated"] = float(h["stated"].mean())
        out["year_range_width"] = float((h["hi"] - h["lo"] + 1).mean())
    both = has_year & known  # the year of paintings by artists the model knows
    if both.any():
        y2 = headline_years(predictor, pa[both], pd[both])["year"]
        ty = np.array([e.year for e, b in zip(examples, both, strict=True) if b], dtype=np.int64)
        out["year_mae_known_artist"] = float(np.abs(y2 - ty).mean())
        named = [e.artist for e, b in zip(examples, both, strict=True) if b]  # recorded
        y3 = headline_years(predictor, pa[both], pd[both], artists=named)["year"]
        out["year_mae_artist_named"] = float(np.abs(y3 - ty).mean())
    dated = known & has_year
    if use_context and dated.any():  # the same works again, their creation year known too
        rows = np.flatnonzero(dated)
        spans = [(examples[i].year, examples[i].year) for i in rows]
        py, _ = predictor.probabilities(embeddings[rows], [ctx[i] for i in rows], spans)
        t = np.array([idx[i] for i in rows], dtype=np.int64)
        out["artist_top1_dated"] = float((pa[rows].argmax(1) == t).mean())
        out["artist_top1_date_known"] = float((py.argmax(1) == t).mean())
        out["ece_date_known"] = expected_calibration_error(py.max(1), py.argmax(1) == t)
    cm = confusion_matrix(pa[known].argmax(1), targets, pa.shape[1])
    return out, cm


def save_confusion_png(cm: np.ndarray, names: list[str], path: Path) -> None:
    """Row-normalised confusion matrix as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = cm.sum(1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=float), where=rows > 0)
    size = max(6.0, 0.18 * len(names))
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
    ax.set_yticks(range(len(names)), names, fontsize=6)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def get_args_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--subset-file")
    p.add_argument("--subset")
    p.add_argument("--json", required=True, help="output JSON; the PNG goes next to it")
    p.add_argument("--no-context", action="store_true", help="hide genre/style/medium")
    p.add_argument("--cache", default=str(DEFAULT_CACHE))
    return p


def main(argv: list[str] | None = None) -> dict[str, float]:
    a = get_args_parser().parse_args(argv)
    pred = Predictor.load(a.checkpoint)
    ex = read_examples(a.data, a.subset_file, a.subset)
    views = pred.trained.views
    weights = a.checkpoint if "@" in pred.backbone else None
    x = np.mean(
        [embed_examples(ex, pred.backbone, (v,), a.cache, weights=weights) for v in views], axis=0
    )
    metrics, cm = score(pred, ex, x, use_context=not a.no_context)
    out = Path(a.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metrics, indent=2) + "\n")
    save_confusion_png(cm, pred.vocab.artists, out.with_suffix(".confusion.png"))
    print(json.dumps(metrics, indent=2))
    return metrics


if __name__ == "__main__":
    main()
