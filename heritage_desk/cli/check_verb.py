"""CLI verb `check`: integrity, image files, orphan rows and temp files of a catalogue."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

#: Exit status when a problem is left that the check could not (or was told not to) repair.
PROBLEMS_LEFT = 1


def register(subparsers: Any) -> None:
    """Add the check verb."""
    p = subparsers.add_parser(
        "check",
        help="check a catalogue and repair what is safe",
        description="Check database integrity, missing or changed image files, orphan rows and "
        "leftover temp files; repair what cannot lose work and say what was done. Exits 1 when "
        "a problem is left.",
    )
    p.add_argument("catalogue", metavar="CATALOGUE", help="catalogue file or SQLAlchemy URL")
    p.add_argument(
        "--images",
        action="append",
        default=[],
        metavar="DIR",
        help="folder the images were imported from (repeatable)",
    )
    p.add_argument(
        "--exports",
        action="append",
        default=[],
        metavar="DIR",
        help="folder exports are written to: its leftover temp files are removed (repeatable)",
    )
    p.add_argument("--models", metavar="DIR", help="the catalogue's models folder, if moved")
    p.add_argument("--no-repair", action="store_true", help="report only; change nothing")
    p.add_argument("--quick", action="store_true", help="check that files exist, not checksums")
    p.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    """`check CATALOGUE [--images DIR] [--exports DIR] [--no-repair] [--quick]`."""
    from heritage_desk import config
    from heritage_desk.services.check import CheckOptions, check_location

    options = CheckOptions(
        paths=config.paths(getattr(args, "data_dir", None)),
        images_roots=[Path(p) for p in args.images],
        export_dirs=[Path(p) for p in args.exports],
        models_dir=Path(args.models) if args.models else None,
        repair=not args.no_repair,
        checksums=not args.quick,
    )
    report = check_location(args.catalogue, options)
    for line in report.lines():
        print(line)
    sys.stdout.flush()
    return 0 if report.ok else PROBLEMS_LEFT
