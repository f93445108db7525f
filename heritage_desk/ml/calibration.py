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
