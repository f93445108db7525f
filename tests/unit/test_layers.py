"""The Qt-free layers import and work with PySide6 absent (ARCHITECTURE.md layer rules)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import heritage_desk

QT_FREE = (
    "heritage_desk.core",
    "heritage_desk.storage",
    "heritage_desk.ml",
    "heritage_desk.services",
)


def _qt_free_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(heritage_desk.__path__, "heritage_desk."):
        if info.name.startswith(QT_FREE) and ".migrations" not in info.name:
            names.append(info.name)
    return names


def test_qt_free_layers_import_without_pyside6() -> None:
    modules = _qt_free_modules()
    assert "heritage_desk.core.model" in modules
    # A meta-path blocker makes any PySide6 import fail, as if it were not installed.
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'PySide6' or name.startswith('PySide6.'):\n"
        "            raise ImportError('PySide6 blocked for this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "assert not any(k.startswith('PySide6') for k in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_core_imports_only_the_standard_library() -> None:
    code = (
        "import sys, pkgutil, importlib, heritage_desk.core as c\n"
        "before = set(sys.modules)\n"
        "for i in pkgutil.walk_packages(c.__path__, 'heritage_desk.core.'):\n"
        "    importlib.import_module(i.name)\n"
        "extra = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "extra -= set(sys.stdlib_module_names) | {'heritage_desk'}\n"
        "assert not extra, extra\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
