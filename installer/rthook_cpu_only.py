"""PyInstaller runtime hook for CPU bundles (HERITAGE_BUNDLE_CUDA=0): keep torch off the GPU.

A CPU bundle leaves out the cuDNN engines and other libraries that only GPU work loads, so a
GPU that torch could see would fail at the first convolution. Hiding every device makes
torch.cuda.is_available() False and the app runs on the CPU, as the bundle promises.
"""

import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
