"""The forward pass of the embedding fast path: ONNX Runtime on the CPU, AMP on CUDA.

Measured on this 2-core machine (benchmarks/bench_ml.py, training/README.md): ONNX Runtime
fp32 runs Lite0 about 3-4x faster than eager torch with the same features (cosine >= 0.99999);
torch bf16 autocast was slower here and less faithful, OpenVINO reports no BF16 on this CPU
and was not faster than ONNX Runtime in fp32. On CUDA the same pipeline feeds torch with
channels_last, fp16 autocast and pinned host memory.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from heritage_desk.core.atomic import atomic_write
from heritage_desk.ml.backbones import Backbone, weights_path

log = logging.getLogger(__name__)

#: A forward pass: float32 [B,3,H,W] normalised -> float32 [B,D] features.
Forward = Callable[[np.ndarray], np.ndarray]

_OPSET = 17
_EXPORTED: dict[str, bytes] = {}  # graphs exported by this process, by model key


def onnx_runtime_available() -> bool:
    """Whether onnxruntime (to run) and onnx (which torch's exporter needs) are installed."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def torch_forward(net: Backbone, device: torch.device, amp: bool = True) -> Forward:
    """Eager torch: channels_last; on CUDA fp16 autocast, pinned memory, non-blocking copies."""
    net = net.to(device).to(memory_format=torch.channels_last)
    cuda = device.type == "cuda"

    @torch.inference_mode()
    def run(x: np.ndarray) -> np.ndarray:
        t = torch.from_numpy(x)
        if cuda:
            t = t.pin_memory()
        t = t.to(device, non_blocking=cuda).contiguous(memory_format=torch.channels_last)
        if cuda and amp:
            with torch.autocast("cuda", dtype=torch.float16):
                out = net(t)
        else:
            out = net(t)
        return out.float().cpu().numpy()

    return run


def _model_key(net: Backbone, weights: str | Path | None) -> str:
    """Names the exported graph: backbone, weights file content, torch version, opset."""
    h = hashlib.sha256(f"{net.spec.name}|{torch.__version__}|{_OPSET}".encode())
    try:
        with open(weights_path(net.spec.name, weights), "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    except (OSError, ValueError):  # weights given another way: key by the parameters instead
        for p in net.state_dict().values():
            h.update(p.detach().cpu().numpy().tobytes())
    return h.hexdigest()[:16]


def export_onnx(net: Backbone, size: int) -> bytes:
    """The backbone as an ONNX graph with a dynamic batch axis."""
    buf = io.BytesIO()
    x = torch.zeros(2, 3, size, size)
    with warnings.catch_warnings():  # the TorchScript exporter warns about traced branches
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net.cpu().eval(),
            (x,),
            buf,  # type: ignore[arg-type]  # a file object works and is documented
            input_names=["x"],
            output_names=["f"],
            dynamic_axes={"x": {0: "b", 2: "h", 3: "w"}, "f": {0: "b"}},
            opset_version=_OPSET,
            dynamo=False,
        )
    return buf.getvalue()


def onnx_model(net: Backbone, size: int, folder: Path | None, weights: str | Path | None) -> bytes:
    """The exported graph, from this process or `folder` when exported before (seconds saved)."""
    key = f"{net.spec.name}-{size}-{_model_key(net, weights)}"
    if key in _EXPORTED:
        return _EXPORTED[key]
    path = folder / f"{key}.onnx" if folder is not None else None
    try:
        data = path.read_bytes() if path is not None else b""
    except OSError:
        data = b""
    if data:
        _EXPORTED[key] = data
        return data
    data = _EXPORTED[key] = export_onnx(net, size)
    if path is None or folder is None:
        return data
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb", durable=False) as f:  # a cache: re-exported if lost
            f.write(data)
    except OSError as exc:  # a read-only cache only costs the export next time
        log.info("cannot keep the exported graph in %s: %s", folder, exc)
    return data


def onnx_forward(model: bytes, threads: int) -> Forward:
    """ONNX Runtime on the CPU with `threads` intra-op threads that sleep when idle."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Spinning threads would take the decode thread's and the GUI's core on a small machine.
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    session = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])

    def run(x: np.ndarray) -> np.ndarray:
        out = session.run(None, {"x": np.ascontiguousarray(x, dtype=np.float32)})[0]
        return np.asarray(out, dtype=np.float32)

    return run
