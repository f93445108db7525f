"""The reference paper's multimodal multitask network: image + metadata -> artist, decade."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

#: Context fields, in the order the metadata branch reads them.
META_FIELDS = ("genre", "style", "medium")
#: Index of the "unknown" slot in every metadata vocabulary.
UNKNOWN = 0
#: Target value for "no label" (unknown artist or year): the loss skips it.
IGNORE = -100


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild the network (nanoGPT's GPTConfig)."""

    feature_dim: int
    n_artists: int
    n_decades: int
    meta_sizes: dict[str, int] = field(default_factory=dict)  # vocabulary size + unknown slot
    meta_hidden: int = 256
    shared_hidden: int = 1024
    dropout: float = 0.5
    image_only: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        known = set(cls.__dataclass_fields__)
        extra = set(d) - known
        if extra:
            raise ValueError(f"unknown model config keys: {sorted(extra)}")
        cfg = cls(**d)
        ints = [cfg.feature_dim, cfg.n_artists, cfg.n_decades, cfg.meta_hidden, cfg.shared_hidden]
        if any(not isinstance(v, int) or v < 1 for v in ints):
            raise ValueError(f"bad model config sizes: {d}")
        if not cfg.image_only and any(f not in cfg.meta_sizes for f in META_FIELDS):
            raise ValueError(f"model config lacks metadata sizes for {META_FIELDS}")
        return cfg


class BankDropout(nn.Module):
    """Dropout whose masks are rows drawn from a bank made once per input width.

    torch.dropout spent 30% of head training on this CPU drawing a fresh random number per
    element; picking random rows of a 4,096-row bank costs a gather and regularises the same.
    """

    def __init__(self, p: float, rows: int = 4096) -> None:
        super().__init__()
        self.p = p
        self.rows = rows
        self._bank: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p <= 0:
            return x
        if self._bank is None or self._bank.shape[1] != x.shape[1] or self._bank.device != x.device:
            keep = torch.rand(self.rows, x.shape[1], device=x.device) >= self.p
            self._bank = keep.to(x.dtype) / (1.0 - self.p)
        idx = torch.randint(self.rows, (x.shape[0],), device=x.device)
        return x * self._bank[idx].to(x.dtype)


class MultimodalNet(nn.Module):
    """Image features (+ one-hot genre/style/medium -> 256 ReLU) -> 1024 ReLU -> two heads."""

    feat_mean: torch.Tensor
    feat_std: torch.Tensor

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        d = config.feature_dim
        # Standardises the frozen features; set from training data, saved with the weights.
        self.register_buffer("feat_mean", torch.zeros(d))
        self.register_buffer("feat_std", torch.ones(d))
        in_dim = d
        if not config.image_only:
            n_meta = sum(config.meta_sizes[f] for f in META_FIELDS)
            self.meta = nn.Sequential(nn.Linear(n_meta, config.meta_hidden), nn.ReLU())
            in_dim += config.meta_hidden
        self.shared = nn.Sequential(
            BankDropout(config.dropout), nn.Linear(in_dim, config.shared_hidden), nn.ReLU()
        )
        self.artist_head = nn.Linear(config.shared_hidden, config.n_artists)
        self.decade_head = nn.Linear(config.shared_hidden, config.n_decades)

    def set_feature_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Fix the standardisation of the image features (from the training set)."""
        self.feat_mean.copy_(mean)
        self.feat_std.copy_(std.clamp_min(1e-4))

    def one_hot_meta(self, meta: torch.Tensor) -> torch.Tensor:
        """[B,3] vocabulary indices (0 = unknown) -> concatenated one-hot vectors."""
        parts = [
            F.one_hot(meta[:, j].long(), self.config.meta_sizes[f]).float()
            for j, f in enumerate(META_FIELDS)
        ]
        return torch.cat(parts, dim=1)

    def forward(
        self, features: torch.Tensor, meta: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Artist logits and decade logits."""
        x = (features - self.feat_mean) / self.feat_std
        if not self.config.image_only:
            if meta is None:
                meta = torch.zeros(x.shape[0], len(META_FIELDS), dtype=torch.long)
            x = torch.cat([x, self.meta(self.one_hot_meta(meta.to(x.device)))], dim=1)
        h = self.shared(x)
        return self.artist_head(h), self.decade_head(h)


def multitask_loss(
    artist_logits: torch.Tensor,
    decade_logits: torch.Tensor,
    artist: torch.Tensor,
    decade: torch.Tensor,
    label_smoothing: float = 0.0,
    artist_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Sum of the two cross-entropies; items without an artist or a year are skipped by each.
    `artist_weight` [B]: each artist label's weight (a qualified attribution counts less)."""
    loss = artist_logits.new_zeros(())
    if (artist != IGNORE).any():
        each = F.cross_entropy(
            artist_logits,
            artist,
            ignore_index=IGNORE,
            label_smoothing=label_smoothing,
            reduction="none",
        )
        w = (artist != IGNORE).to(each.dtype)
        if artist_weight is not None:
            w = w * artist_weight.to(each.dtype)
        loss = loss + (each * w).sum() / w.sum().clamp_min(1e-8)
    if (decade != IGNORE).any():
        loss = loss + F.cross_entropy(
            decade_logits, decade, ignore_index=IGNORE, label_smoothing=label_smoothing
        )
    return loss


def mask_meta(
    meta: torch.Tensor, p: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Randomly set known fields to unknown, so any subset a curator knows works at inference."""
    if p <= 0:
        return meta
    drop = torch.rand(meta.shape, generator=generator, device=meta.device) < p
    return meta.masked_fill(drop, UNKNOWN)
