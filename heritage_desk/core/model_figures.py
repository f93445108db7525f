"""A model version's figures in words: what each measures and on which works, one wording for
the model panel's table and the retrain message (they disagreed: the starter's figure measured
on its own training data sat next to a message comparing it on this catalogue's works)."""

from __future__ import annotations

from collections.abc import Mapping

#: Figures the model panel shows, in column order, and what each one measures.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("artist_top1", "artist top-1", "how often the most likely artist is the work's artist"),
    ("artist_top5", "artist top-5", "how often the work's artist is among the first five"),
    ("decade_acc", "decade", "how often the most likely decade is the work's decade"),
    ("year_mae", "year MAE", "mean error of the suggested year, in years"),
    ("train_seconds", "train time", "how long the retrain took"),
)
LABELS = {key: label for key, label, _ in FIGURES}
#: The figures a retrained model must not be worse at than the active one (the gate).
COMPARED = ("artist_top1", "decade_acc")
#: How many held-out works each compared figure was measured on (evaluate_items counts them).
COUNTED_BY = {"artist_top1": "n_artist", "decade_acc": "n_year"}


def figure(metrics: Mapping[str, float], key: str) -> float | None:
    """A held-out figure (as retraining and training record it), else the plain one."""
    return metrics.get(f"holdout_{key}", metrics.get(key))


def baseline(metrics: Mapping[str, float], key: str) -> float | None:
    """The model that was active, measured on the same held-out works (retrained versions)."""
    return metrics.get(f"baseline_{key}")


def figure_text(key: str, v: float | None) -> str:
    """'61.2%', '12.5 y', '40 s'; '' where nothing was measured."""
    if v is None or v != v:  # NaN: nothing to measure on
        return ""
    if key == "train_seconds":
        return f"{v:.0f} s"
    if key == "year_mae":
        return f"{v:.1f} y"
    return f"{v:.1%}"


def _works(n: float | None) -> str:
    """'12 held-out works', '1 held-out work', 'held-out works' (count unknown)."""
    if n is None or n != n:
        return "held-out works"
    return f"{int(n):,} held-out work{'s' * (int(n) != 1)}"


def measured_on(metrics: Mapping[str, float]) -> str:
    """Which works a version's figures were measured on."""
    if "holdout_n" in metrics:  # a retrain: the catalogue's own confirmed works it held out
        return f"{_works(metrics['holdout_n'])} of this catalogue"
    if "n_holdout" in metrics:  # a trained starter: works held out of its own training data
        return f"{_works(metrics['n_holdout'])} of its training data"
    return "not recorded"


def compared_text(metrics: Mapping[str, float], key: str) -> str:
    """'40.0% (active model then: 30.0%)' for a retrained version, else the figure alone."""
    now = figure_text(key, figure(metrics, key))
    before = figure_text(key, baseline(metrics, key))
    return f"{now} (active model then: {before})" if now and before else now


def comparison(
    new: Mapping[str, float], base: Mapping[str, float], keys: tuple[str, ...] = COMPARED
) -> str:
    """The retrain message: both models' figures on the same works, labelled as the table is
    ("on the same 12 held-out works of this catalogue: decade 40.0% vs 30.0% ...")."""
    parts = [
        f"{LABELS[k]} {figure_text(k, new[k])} vs {figure_text(k, base[k])}"
        for k in keys
        if k in new and k in base
    ]
    if not parts:
        return "no held-out works to compare on"
    where = measured_on({"holdout_n": new.get("n", float("nan"))})
    return f"on the same {where} (new vs active model): " + ", ".join(parts)


def retrain_notice(status: str, version: str | None, note: str, seconds: float) -> str:
    """What a finished retrain changed, in the words of the table: for the notification."""
    took = f" in {seconds:.0f} s" if seconds else ""
    name = version or "the new model"
    if status == "activated":
        why = note.removeprefix("activated: ")
        return (
            f"Retrain finished{took}: {name} is now the active model — {why}. Suggestions for "
            "the works still to review are being recomputed with it."
        )
    why = note.removeprefix("not activated: ")
    return f"Retrain finished{took}: {name} was kept inactive — {why}. The active model stays."
