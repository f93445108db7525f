"""Thread count and device choice for torch, made deliberately (see ARCHITECTURE.md)."""

from __future__ import annotations

import os

import torch


def default_num_threads() -> int:
    """Leave one core for the GUI and the OS: on 2 cores, 2 threads ran 5-6x slower than 1."""
    cores = os.cpu_count() or 1
    return max(1, min(cores - 1, 8))


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
