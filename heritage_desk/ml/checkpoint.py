"""Checkpoints: safetensors weights + JSON metadata in its header; never pickle."""

from __future__ import annotations

import json
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

import torch

from heritage_desk.core.atomic import atomic_write
from heritage_desk.ml.model import ModelConfig, MultimodalNet
from heritage_desk.ml.reliability import Reliability
from heritage_desk.ml.trained import TrainedModel
from heritage_desk.ml.vocab import Vocab

FORMAT = "heritage_desk.checkpoint"
FORMAT_VERSION = 1
_MAX_HEADER = 64 << 20


#: What odd metadata raises while it is read: a list where a dict belongs (AttributeError),
#: 1e400 as a number (OverflowError), JSON nested 100,000 deep (RecursionError), ...
_ODD_METADATA = (KeyError, ValueError, TypeError, AttributeError, OverflowError, RecursionError)


class CheckpointError(ValueError):
    """A file is not a usable heritage_desk checkpoint; the message says why."""


def _metadata(tm: TrainedModel) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "model_config": tm.model.config.to_dict(),
        "vocab": tm.vocab.to_dict(),
        "backbone": tm.backbone,
        "views": list(tm.views),
        "calibration": {
            "artist_temperature": tm.artist_temperature,
            "decade_temperature": tm.decade_temperature,
            "year_range_levels": [list(pair) for pair in tm.range_levels],
            "reliability": tm.reliability.to_dict(),
        },
        "metrics": tm.metrics,
        "data_hash": tm.data_hash,
        "created_at": tm.created_at,
        "train_config": tm.train_config,
    }


def save_checkpoint(
    tm: TrainedModel, path: str | Path, sidecar: bool = True, half: bool = False
) -> Path:
    """Write atomically (temp file, fsync, rename); with `sidecar`, also PATH.json for people.

    `half` stores float weights as float16 (half the size, for shipped models); loading always
    gives float32.
    """
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {
        f"model.{k}": v.detach().cpu().contiguous() for k, v in tm.model.state_dict().items()
    }
    tensors.update(
        {f"extra.{k}": v.detach().cpu().contiguous() for k, v in tm.extra_tensors.items()}
    )
    if half:
        tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
    meta = _metadata(tm)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={"format": FORMAT, "json": json.dumps(meta)})
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a model file is not a secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sidecar:
        # Atomic too: a reader (the model store, the model panel) never sees half a sidecar.
        with atomic_write(path.with_suffix(".json")) as f:
            f.write(json.dumps({"format": FORMAT, **meta}, indent=2) + "\n")
    return path


def _check_header(path: Path) -> None:
    """Refuse obvious non-safetensors files before any parser sees them."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(9)
    except OSError as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from exc
    if len(head) == 9:
        (n,) = struct.unpack("<Q", head[:8])
        if n <= _MAX_HEADER and 8 + n <= size and head[8:9] == b"{":
            return  # shaped like safetensors; the parser checks the rest
    # Only now look for pickles: a safetensors length field may itself start with 0x80.
    if head[:1] == b"\x80" or head[:2] == b"PK":
        raise CheckpointError(
            f"{path} is a pickle/torch.save file; those can run code when loaded and are "
            "refused. Export the model as a heritage_desk safetensors checkpoint."
        )
    if len(head) < 9:
        raise CheckpointError(f"{path} is empty or truncated ({size} bytes)")
    raise CheckpointError(f"{path} is not a safetensors file, or it is truncated")


def load_checkpoint(path: str | Path, device: str = "cpu") -> TrainedModel:
    """Rebuild a trained model from its file; any mismatch raises CheckpointError."""
    from safetensors import safe_open

    path = Path(path)
    _check_header(path)
    try:
        with safe_open(str(path), framework="pt", device=device) as f:
            header = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (not a dict)
    except CheckpointError:
        raise
    except Exception as exc:  # safetensors raises its own error types for bad files
        raise CheckpointError(f"{path} is corrupt or truncated: {exc}") from exc
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{path} is a safetensors file but not a heritage_desk checkpoint")
    try:
        meta = json.loads(header["json"])
        version = int(meta["format_version"])
    except _ODD_METADATA as exc:
        raise CheckpointError(f"{path} has unreadable metadata: {exc}") from exc
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path} uses checkpoint format {version}; this app reads up to {FORMAT_VERSION}"
        )
    try:
        config = ModelConfig.from_dict(meta["model_config"])
        vocab = Vocab.from_dict(meta["vocab"])
        cal = meta.get("calibration", {})
        ta, td = (
            float(cal.get("artist_temperature", 1.0)),
            float(cal.get("decade_temperature", 1.0)),
        )
        levels = tuple((float(q), float(c)) for q, c in cal.get("year_range_levels", []))
        reliability = Reliability.from_dict(cal.get("reliability"))
    except _ODD_METADATA as exc:
        raise CheckpointError(f"{path} has invalid metadata: {exc}") from exc
    if len(vocab.artists) != config.n_artists or len(vocab.decades) != config.n_decades:
        raise CheckpointError(f"{path}: vocabularies do not match the model's output sizes")
    if not config.image_only and vocab.meta_sizes() != config.meta_sizes:
        raise CheckpointError(f"{path}: metadata vocabularies do not match the model")
    if not (0.05 <= ta <= 20 and 0.05 <= td <= 20):
        raise CheckpointError(f"{path}: implausible calibration temperatures {ta}, {td}")
    if any(not (0 <= q <= 1 and 0 <= c <= 1) for q, c in levels):
        raise CheckpointError(f"{path}: year range levels must be probabilities: {levels}")
    state = {
        k[len("model.") :]: v.float() if v.is_floating_point() else v
        for k, v in tensors.items()
        if k.startswith("model.")
    }
    try:
        with torch.device("meta"):  # shapes only: a hostile config must not allocate anything
            expected = {k: tuple(v.shape) for k, v in MultimodalNet(config).state_dict().items()}
    except (*_ODD_METADATA, RuntimeError) as exc:
        raise CheckpointError(f"{path} records an impossible architecture: {exc}") from exc
    got = {k: tuple(v.shape) for k, v in state.items()}
    if expected != got:
        bad = sorted(k for k in expected.keys() | got.keys() if expected.get(k) != got.get(k))
        raise CheckpointError(
            f"{path}: weights do not match the recorded architecture "
            f"({', '.join(f'{k}: {got.get(k)} != {expected.get(k)}' for k in bad[:3])})"
        )
    model = MultimodalNet(config)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: weights do not match the architecture: {exc}") from exc
    if any(not torch.isfinite(v).all() for v in state.values() if v.is_floating_point()):
        raise CheckpointError(f"{path}: weights contain NaN or infinity")
    model.eval()
    extra = {
        k[len("extra.") :]: v.float() if v.is_floating_point() else v
        for k, v in tensors.items()
        if k.startswith("extra.")
    }
    return TrainedModel(
        model=model,
        vocab=vocab,
        backbone=str(meta.get("backbone", "lite0")),
        views=tuple(meta.get("views", ["full"])),
        artist_temperature=ta,
        decade_temperature=td,
        metrics={str(k): float(v) for k, v in meta.get("metrics", {}).items()},
        data_hash=str(meta.get("data_hash", "")),
        created_at=str(meta.get("created_at", "")),
        train_config=dict(meta.get("train_config", {})),
        extra_tensors=extra,
        range_levels=tuple(sorted(levels)),
        reliability=reliability,
    )
