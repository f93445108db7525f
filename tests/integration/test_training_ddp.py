"""Finetune mode under torchrun: 2 CPU processes with the gloo backend keep weights in sync."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

WORKER = textwrap.dedent(
    """
    import json, os, sys
    import torch
    from torch import nn
    from torchvision.transforms import v2 as T
    from heritage_desk.ml import Example, save_checkpoint
    from heritage_desk.ml.finetune import FinetuneConfig, finetune

    torch.set_num_threads(1)
    out = sys.argv[2]
    examples = [Example(**e) for e in json.load(open(sys.argv[1]))]
    tiny = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    tf = T.Compose([T.ToImage(), T.ToDtype(torch.float32, scale=True), T.Resize((16, 16))])
    cfg = FinetuneConfig(epochs=2, batch_size=4, workers=0, lr=0.01)
    tm = finetune(examples, tiny, 8, cfg, transform=tf, backbone_name="tiny")
    rank = int(os.environ.get("RANK", "0"))
    total = sum(float(p.double().sum()) for p in tiny.parameters())
    open(os.path.join(out, f"rank{rank}.json"), "w").write(json.dumps({"sum": total}))
    if tm is not None:
        save_checkpoint(tm, os.path.join(out, "ft.safetensors"))
    """
)


@pytest.mark.slow
def test_ddp_two_cpu_processes_gloo(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(16):
        p = tmp_path / f"im{i}.png"
        Image.fromarray((rng.random((20, 20, 3)) * 255).astype(np.uint8)).save(p)
        rows.append(
            {"image_path": str(p), "artist": f"A{i % 2}", "year": 1800 + i, "style": f"s{i % 3}"}
        )
    (tmp_path / "ex.json").write_text(json.dumps(rows))
    (tmp_path / "worker.py").write_text(WORKER)
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        str(tmp_path / "worker.py"),
        str(tmp_path / "ex.json"),
        str(tmp_path),
    ]
    res = subprocess.run(
        cmd, capture_output=True, text=True, timeout=240, cwd=Path(__file__).resolve().parents[2]
    )
    assert res.returncode == 0, res.stderr[-3000:]
    sums = [json.loads((tmp_path / f"rank{r}.json").read_text())["sum"] for r in (0, 1)]
    assert sums[0] == pytest.approx(sums[1], rel=1e-9)  # DDP kept both replicas identical
    from heritage_desk.ml import load_checkpoint

    tm = load_checkpoint(tmp_path / "ft.safetensors")
    assert tm.metrics["world_size"] == 2 and tm.vocab.artists == ["A0", "A1"]
    assert any(k.startswith("backbone.") for k in tm.extra_tensors)
