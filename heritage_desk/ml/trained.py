"""A trained model with everything needed to use, save and explain it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from heritage_desk.ml.model import MultimodalNet
from heritage_desk.ml.reliability import Reliability
from heritage_desk.ml.vocab import Vocab


@dataclass
class TrainedModel:
    """Network, vocabularies, calibration and provenance; what a checkpoint holds."""

    model: MultimodalNet
    vocab: Vocab
    backbone: str
    views: tuple[str, ...] = ("full",)
    artist_temperature: float = 1.0
    decade_temperature: float = 1.0
    metrics: dict[str, float] = field(default_factory=dict)
    data_hash: str = ""
    created_at: str = ""
    train_config: dict[str, Any] = field(default_factory=dict)
    extra_tensors: dict[str, torch.Tensor] = field(default_factory=dict)  # e.g. exemplars
    #: (mass grown to, share of held-out years inside) pairs, ascending; () = uncalibrated.
    range_levels: tuple[tuple[float, float], ...] = ()
    #: Open-set and range-reliability fits on held-out works (heritage_desk.ml.reliability).
    reliability: Reliability = field(default_factory=Reliability)
