"""`heritage-desk gui [CATALOGUE | --demo] [--screenshot FILE.png]`: open the curator's window."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the gui verb."""
    p = subparsers.add_parser(
        "gui",
        help="open the window (the default verb)",
        description="Open the curator's window on a catalogue, or on the demo collection.",
    )
    p.add_argument(
        "catalogue", nargs="?", metavar="CATALOGUE", help="catalogue file or SQLAlchemy URL"
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="open the demo collection (imported into the data folder on first run)",
    )
    p.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="open at 1280x800 or more, wait until the first item's suggestions show, save, quit",
    )
    p.add_argument(
        "--show",
        choices=(
            "main",
            "review",
            "model",
            "qualified",
            "unknown",
            "dated-by-artist",
            "batch",
            "compare",
            "weaker-evidence",
            "loupe",
            "badges",
            "mistakes",
        ),
        default="main",
        help="with --screenshot: the main window, a review in progress, the model panel, "
        "the first work whose artist is suggested 'attributed to' / 'none of the painters I "
        "know', the first work whose artist is recorded and whose date is suggested "
        "(dated-by-artist), the batch-accept preview, the compare view (on a work given with "
        "a qualifier: "
        "weaker-evidence), the loupe, the review-state "
        "badges, or the possible mistakes once the background pass is done",
    )
    p.add_argument("--size", default="1280x820", metavar="WxH", help="window size for --screenshot")
    p.add_argument(
        "--timeout", type=float, default=120.0, help="seconds --screenshot waits at most"
    )
    p.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    """Run the window until it closes; exit status 0, or 1 with one line on failure."""
    from heritage_desk.cli import CliError

    if args.catalogue and args.demo:
        raise CliError("give either CATALOGUE or --demo, not both")
    try:
        w, h = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        raise CliError(f"--size {args.size!r}: expected WIDTHxHEIGHT, e.g. 1280x820") from None
    if args.screenshot and (w < 1280 or h < 800):
        raise CliError("--size: screenshots are at least 1280x800")
    from heritage_desk.app import GuiOptions, run_gui

    return run_gui(
        GuiOptions(
            location=args.catalogue,
            demo=args.demo,
            data_dir=args.data_dir,
            screenshot=args.screenshot,
            show=args.show,
            size=(w, h),
            timeout=args.timeout,
            verbose=args.verbose,
        )
    )
