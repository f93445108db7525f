"""Thread count and device choice for torch, made deliberately (see ARCHITECTURE.md)."""

from __future__ import annotations

import os

import torch


def default_num_threads() -> int:
    """Leave one core for the GUI and the OS: on 2 cores, 2 threads ran 5-6x slower than 1."""
    cores = os.cpu_count() or 1
    return max(1, min(cores - 1, 8))


def all_cores() -> int:
    """Every core, up to 8: for work with no window to keep responsive (the CLI's `suggest`).

    The fast path's ONNX Runtime threads sleep when idle rather than spin, so two of them on 2
    cores ran the 224-px WikiArt files at 167 images/s against 105 with one (docs/benchmarks.md).
    """
    return max(1, min(os.cpu_count() or 1, 8))


def set_num_threads(n: int | None = None) -> int:
    """Set torch's intra-op thread count (default: default_num_threads()) and return it."""
    n = n or default_num_threads()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def pick_device(device: str | None = None) -> torch.device:
    """The named device, else CUDA when present, else the CPU."""
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
