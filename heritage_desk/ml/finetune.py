"""The paper's protocol: all layers fine-tuned by SGD; CUDA + AMP when present; DDP via torchrun."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from heritage_desk.ml.backbones import Backbone
from heritage_desk.ml.data import Example
from heritage_desk.ml.model import ModelConfig, MultimodalNet, mask_meta, multitask_loss
from heritage_desk.ml.presets import load_image, paper_train_transform
from heritage_desk.ml.runtime import pick_device
from heritage_desk.ml.trained import TrainedModel
from heritage_desk.ml.vocab import Vocab


@dataclass(frozen=True)
class FinetuneConfig:
    """The paper's settings: SGD lr 0.001, decay 1e-6, momentum 0.9, Nesterov, batch 64."""

    epochs: int = 100
    batch_size: int = 64  # per process
    lr: float = 1e-3
    lr_decay: float = 1e-6  # Keras-style: lr / (1 + decay * step)
    momentum: float = 0.9
    mask_prob: float = 0.3
    image_only: bool = False
    workers: int = 2
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ImageExamples(Dataset[tuple[torch.Tensor, torch.Tensor, int, int]]):
    """Images decoded on the fly with a transform, plus encoded targets and metadata."""

    def __init__(
        self, examples: Sequence[Example], vocab: Vocab, transform: Callable[..., torch.Tensor]
    ) -> None:
        self.paths = [e.image_path for e in examples]
        self.artist, self.decade, self.meta = vocab.encode(examples)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, int, int]:
        img = self.transform(load_image(self.paths[i]))
        return img, self.meta[i], int(self.artist[i]), int(self.decade[i])


class EndToEnd(nn.Module):
    """Backbone and multimodal head trained together."""

    def __init__(self, backbone: nn.Module, head: MultimodalNet) -> None:
        super().__init__()
        self.backbone = backbone
        self.head: MultimodalNet = head

    def forward(
        self, images: torch.Tensor, meta: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.backbone(images), meta)


def _dist_setup(device: torch.device) -> tuple[int, int]:
    """Join the torchrun process group when launched by torchrun; (rank, world size)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def finetune(
    examples: Sequence[Example],
    backbone: Backbone | nn.Module,
    feature_dim: int,
    config: FinetuneConfig | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    transform: Callable[..., torch.Tensor] | None = None,
    backbone_name: str = "lite0",
    device: str | None = None,
) -> TrainedModel | None:
    """Fine-tune backbone + head on images; under torchrun each rank trains a shard (DDP).

    Returns the trained model on rank 0 and None on the other ranks.
    """
    config = config or FinetuneConfig()
    dev = pick_device(device)
    if dev.type == "cuda" and "LOCAL_RANK" in os.environ:
        dev = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    rank, world = _dist_setup(dev)
    torch.manual_seed(config.seed)
    vocab = Vocab.build(examples)
    if transform is None:
        spec = getattr(backbone, "spec", None)
        if spec is None:
            raise ValueError("a transform is needed for a backbone without a spec")
        transform = paper_train_transform(spec)
    data = ImageExamples(examples, vocab, transform)
    cfg = ModelConfig(
        feature_dim=feature_dim,
        n_artists=max(len(vocab.artists), 1),
        n_decades=len(vocab.decades),
        meta_sizes=vocab.meta_sizes(),
        image_only=config.image_only,
    )
    for p in backbone.parameters():
        p.requires_grad_(True)
    net: nn.Module = EndToEnd(backbone, MultimodalNet(cfg)).to(dev)
    if world > 1:
        net = nn.parallel.DistributedDataParallel(
            net, device_ids=[dev.index] if dev.index else None
        )
    sampler: DistributedSampler[Any] | None = (
        DistributedSampler(data, world, rank, seed=config.seed) if world > 1 else None
    )
    loader = DataLoader(
        data,
        batch_size=config.batch_size,
        shuffle=sampler is None,
        sampler=sampler,
        num_workers=config.workers,
        multiprocessing_context="spawn" if config.workers else None,  # never fork after torch
        drop_last=False,
    )
    opt = torch.optim.SGD(net.parameters(), lr=config.lr, momentum=config.momentum, nesterov=True)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 / (1.0 + config.lr_decay * s))
    amp = dev.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    gen = torch.Generator().manual_seed(config.seed + rank)
    for epoch in range(config.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        total, n = 0.0, 0
        for images, meta, artist, decade in loader:
            if cancel is not None:
                cancel.raise_if_cancelled()
            meta = mask_meta(meta, config.mask_prob, gen)
            with torch.autocast(dev.type, dtype=torch.float16, enabled=amp):
                za, zd = net(images.to(dev, non_blocking=True), meta.to(dev))
            loss = multitask_loss(za.float(), zd.float(), artist.to(dev), decade.to(dev))
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            sched.step()
            total, n = total + float(loss.detach()), n + 1
        if rank == 0:
            progress(
                Progress(
                    epoch + 1, config.epochs, f"epoch {epoch + 1}: loss {total / max(n, 1):.3f}"
                )
            )
    e2e: Any = net.module if isinstance(net, nn.parallel.DistributedDataParallel) else net
    if world > 1:
        dist.barrier()
    if rank != 0:
        return None
    e2e = e2e.cpu().eval()
    trunk = getattr(e2e.backbone, "trunk", e2e.backbone)
    extra = {f"backbone.{k}": v.detach().clone() for k, v in trunk.state_dict().items()}
    digest = hashlib.sha256("\n".join(data.paths).encode()).hexdigest()[:16]
    return TrainedModel(
        model=e2e.head,
        vocab=vocab,
        backbone=f"{backbone_name.partition('@')[0]}@ft-{digest[:8]}",
        views=("full",),
        metrics={"n_train": float(len(data)), "world_size": float(world)},
        data_hash=digest,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        train_config={"mode": "finetune", **config.to_dict()},
        extra_tensors=extra,
    )
