"""A neutral dark-grey theme (View menu) for judging colour: greys with no tint, as Lightroom's."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

#: Window, base and text greys; r == g == b, so nothing tints the painting beside them.
GREYS = {
    QPalette.ColorRole.Window: "#3c3c3c",
    QPalette.ColorRole.WindowText: "#dcdcdc",
    QPalette.ColorRole.Base: "#2e2e2e",
    QPalette.ColorRole.AlternateBase: "#363636",
    QPalette.ColorRole.Text: "#dcdcdc",
    QPalette.ColorRole.Button: "#454545",
    QPalette.ColorRole.ButtonText: "#dcdcdc",
    QPalette.ColorRole.ToolTipBase: "#4a4a4a",
    QPalette.ColorRole.ToolTipText: "#e8e8e8",
    QPalette.ColorRole.PlaceholderText: "#8c8c8c",
    QPalette.ColorRole.Highlight: "#6e6e6e",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Light: "#5a5a5a",
    QPalette.ColorRole.Midlight: "#4d4d4d",
    QPalette.ColorRole.Mid: "#333333",
    QPalette.ColorRole.Dark: "#262626",
    QPalette.ColorRole.Shadow: "#141414",
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Link: "#a8c8ff",
}
DISABLED_TEXT = "#7a7a7a"

_light: QPalette | None = None


def dark_palette() -> QPalette:
    """The neutral dark-grey palette."""
    pal = QPalette()
    for role, colour in GREYS.items():
        pal.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED_TEXT))
    return pal


def apply(dark: bool) -> None:
    """Switch the whole application to the dark-grey palette, or back to the one it started with."""
    global _light
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if _light is None:
        _light = QPalette(app.palette())
    app.setPalette(dark_palette() if dark else _light)


def is_dark() -> bool:
    """Whether the dark-grey palette is on."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return False
    window = QPalette.ColorRole.Window
    return app.palette().color(window) == QColor(GREYS[window])
