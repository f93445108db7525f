"""Composition root: the only place that wires storage, services, workers and the window."""

from __future__ import annotations

from heritage_desk.app.bootstrap import DeskApp, GuiOptions, run_gui

__all__ = ["DeskApp", "GuiOptions", "run_gui"]
