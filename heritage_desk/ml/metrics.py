"""Evaluation metrics: top-k accuracy, macro precision/recall/F1, year errors, confusion."""

from __future__ import annotations

import numpy as np

from heritage_desk.ml.calibration import expected_calibration_error


def topk_accuracy(probs: np.ndarray, targets: np.ndarray, k: int) -> float:
    """Fraction of rows whose target is among the k most probable classes."""
    if len(targets) == 0:
        return float("nan")
    k = min(k, probs.shape[1])
    top = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    return float((top == targets[:, None]).any(axis=1).mean())


def confusion_matrix(pred: np.ndarray, targets: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts [true, predicted]."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (targets, pred), 1)
    return cm


def macro_prf(cm: np.ndarray) -> tuple[float, float, float]:
    """Macro precision, recall and F1 over the classes present in the targets."""
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    present = support > 0
    prec = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    rec = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    f1 = np.divide(2 * prec * rec, prec + rec, out=np.zeros_like(tp), where=(prec + rec) > 0)
    return float(prec[present].mean()), float(rec[present].mean()), float(f1[present].mean())


def artist_metrics(probs: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """top1, top5, macro precision/recall/F1 and ECE of the artist head on labelled rows."""
    if len(targets) == 0:
        nan = float("nan")
        return dict.fromkeys(
            ["artist_top1", "artist_top5", "artist_precision", "artist_recall", "artist_f1", "ece"],
            nan,
        )
    pred = probs.argmax(axis=1)
    p, r, f1 = macro_prf(confusion_matrix(pred, targets, probs.shape[1]))
    conf = probs.max(axis=1)
    return {
        "artist_top1": topk_accuracy(probs, targets, 1),
        "artist_top5": topk_accuracy(probs, targets, 5),
        "artist_precision": p,
        "artist_recall": r,
        "artist_f1": f1,
        "ece": expected_calibration_error(conf, pred == targets),
    }


def year_metrics(
    decade_pred: np.ndarray, year_pred: np.ndarray, decade_true: np.ndarray, year_true: np.ndarray
) -> dict[str, float]:
    """Decade accuracy and mean absolute year error on rows with a known year."""
    if len(year_true) == 0:
        return {"year_decade_accuracy": float("nan"), "year_mae": float("nan")}
    return {
        "year_decade_accuracy": float((decade_pred == decade_true).mean()),
        "year_mae": float(np.abs(year_pred - year_true).mean()),
    }
