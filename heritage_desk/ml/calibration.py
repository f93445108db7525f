"""Temperature scaling on held-out logits, and the expected calibration error."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def fit_temperature(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> float:
    """The temperature T minimising held-out NLL of softmax(logits / T); 1.0 if no labels."""
    keep = targets != ignore_index
    if keep.sum() < 2:
        return 1.0
    z, y = logits[keep].detach().float(), targets[keep]
    # A 1-D search over log T is robust and fast (no optimiser state, no divergence).
    grid = torch.linspace(-1.5, 1.5, 61).exp()
    nll = torch.stack([F.cross_entropy(z / t, y) for t in grid])
    best = int(nll.argmin())
    lo, hi = grid[max(best - 1, 0)].item(), grid[min(best + 1, len(grid) - 1)].item()
    fine = torch.linspace(lo, hi, 41)
    nll = torch.stack([F.cross_entropy(z / t, y) for t in fine])
    return float(fine[int(nll.argmin())])


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int = 15
) -> float:
    """ECE: |accuracy - confidence| averaged over equal-width confidence bins, by bin mass."""
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    if confidence.size == 0:
        return float("nan")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        m = idx == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - confidence[m].mean())
    return float(ece)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float | np.ndarray = 1e-2,
    center: np.ndarray | None = None,
    iters: int = 50,
) -> tuple[np.ndarray, float]:
    """Weights and bias of p(y=1 | x) = sigmoid(x @ w + b), by Newton's method.

    `l2` penalises the weights (a scalar; the bias is free) or, as an array of len(w) + 1,
    each parameter, toward `center` (default 0): a MAP fit around a prior's values. Small and
    exact for the few features and rows calibration has (no optimiser to tune).
    """
    x = np.asarray(x, dtype=np.float64).reshape(len(y), -1)
    y = np.asarray(y, dtype=np.float64)
    a = np.hstack([x, np.ones((len(y), 1))])
    k = a.shape[1]
    if np.ndim(l2) == 0:
        reg = np.full(k, float(l2))
        reg[-1] = 0.0
    else:
        reg = np.asarray(l2, dtype=np.float64)
    mu = np.zeros(k) if center is None else np.asarray(center, dtype=np.float64)
    theta = mu.copy()
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ theta, -40, 40)))
        grad = a.T @ (p - y) + reg * (theta - mu)
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg) + 1e-9 * np.eye(k)
        step = np.linalg.solve(hess, grad)
        step *= min(1.0, 5.0 / max(float(np.abs(step).max()), 1e-12))  # damped: no overshoot
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def logit(p: float | np.ndarray) -> float | np.ndarray:
    """log(p / (1 - p)), clipped away from 0 and 1."""
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))
