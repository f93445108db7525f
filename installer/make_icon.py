"""Render resources/icons/heritage-desk.svg to the PNG sizes the installers use (QtSvg, offscreen).

Run from the repository root: `QT_QPA_PLATFORM=offscreen python installer/make_icon.py`.
The 256 px PNG and a .ico are kept in resources/icons/; all sizes go to build/icons/ (.deb).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "heritage-desk.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def render(size: int, out: Path) -> None:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"could not write {out}")


def write_ico(out: Path) -> None:
    """A Windows .ico (PyInstaller's EXE icon and the NSIS installer's) from the rendered PNGs."""
    from PIL import Image

    big = Image.open(ROOT / "build" / "icons" / "256x256" / "heritage-desk.png")
    big.save(out, format="ICO", sizes=[(s, s) for s in SIZES if s <= 256])


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841  (QImage painting needs one)
    render(256, ROOT / "resources" / "icons" / "heritage-desk.png")
    for size in SIZES:
        render(size, ROOT / "build" / "icons" / f"{size}x{size}" / "heritage-desk.png")
    write_ico(ROOT / "resources" / "icons" / "heritage-desk.ico")
    print(f"icons: resources/icons/heritage-desk.png and build/icons/<size>/ for {SIZES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
