"""PyInstaller runtime hook: torchvision's C++ ops missing must not stop `import torchvision`.

A CPU bundle built from a CPU torch wheel with PyPI's (CUDA) torchvision cannot load
torchvision/_C.so (it links libtorch_cuda), and torchvision 0.28's _meta_registrations then
fails on `register_fake("torchvision::nms")` for an operator that was never defined. The app
uses torchvision's models and transforms, never its detection ops, so when _C.so cannot load
this hook declares the two schemas that registration needs; calling nms still raises
torchvision's own "Couldn't load custom C++ ops" error. With a matching torchvision (CUDA +
CUDA, or CPU + CPU from the PyTorch CPU index) _C.so loads and this hook does nothing else.
It acts on the first `import torchvision`, so `--version` does not pay for importing torch.
"""

import sys


def _declare_missing_torchvision_ops() -> None:
    import importlib.util
    import os

    spec = importlib.util.find_spec("torchvision")
    if spec is None or spec.origin is None:
        return
    import torch

    folder = os.path.dirname(spec.origin)
    # _C.so (<= 0.28) or _C_stable.so (0.29+); whichever exists must load, or the ops are missing.
    for name in sorted(os.listdir(folder)):
        if name.startswith("_C") and name.endswith((".so", ".pyd", ".dylib")):
            try:
                torch.ops.load_library(os.path.join(folder, name))
                return
            except OSError:
                continue
    try:
        torch.ops.torchvision.nms  # noqa: B018  (declared already: a second copy of this hook)
        return
    except (AttributeError, RuntimeError):
        pass
    lib = torch.library.Library("torchvision", "FRAGMENT")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _keep.append(lib)  # a Library deregisters its definitions when garbage-collected


class _BeforeTorchvision:
    """A meta-path finder that only runs the fix-up above, once, on `import torchvision`."""

    def find_spec(self, name, path=None, target=None):
        if name == "torchvision":
            sys.meta_path.remove(self)
            _declare_missing_torchvision_ops()
        return None  # the regular finders import the module


_keep: list = []
if not any(type(f).__name__ == "_BeforeTorchvision" for f in sys.meta_path):
    sys.meta_path.insert(0, _BeforeTorchvision())
