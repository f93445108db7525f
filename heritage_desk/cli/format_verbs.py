"""CLI verbs for museum exchange formats: Met-style CSV, LIDO 1.1 XML, Dublin Core XML."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from heritage_desk.cli import CliError

#: verb -> (help, default suffix)
FORMATS = {
    "export-met": ("export as a Met Open Access-style CSV (re-imports without loss)", ".csv"),
    "export-lido": ("export as LIDO 1.1 XML (valid against lido-v1.1.xsd)", ".xml"),
    "export-dc": ("export as Dublin Core (OAI-DC) XML for Omeka S / CollectiveAccess", ".xml"),
}


def register(subparsers: Any) -> None:
    """Add the export-met, export-lido and export-dc verbs."""
    for verb, (text, suffix) in FORMATS.items():
        p = subparsers.add_parser(verb, help=text, description=text)
        p.add_argument("catalogue", metavar="CATALOGUE", help="catalogue file or SQLAlchemy URL")
        p.add_argument("--out", required=True, metavar=f"FILE{suffix}", help="file to write")
        p.add_argument("--force", action="store_true", help="replace an existing file")
        if verb == "export-met":
            p.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (Excel)")
        p.set_defaults(func=cmd_export_format, verb=verb)


def _check_out(catalogue: str, out: str, force: bool) -> None:
    """Refuse to write over the catalogue itself, or over any file without --force."""
    target = Path(out).expanduser().resolve()
    cat = Path(catalogue).expanduser().resolve() if "://" not in catalogue else None
    if cat is not None and target in {cat, Path(f"{cat}-wal"), Path(f"{cat}-shm")}:
        raise CliError(f"{out} is the catalogue itself; choose another output file")
    if target.exists() and not force:
        raise CliError(f"{out} exists; add --force to replace it")
    if not target.parent.is_dir():
        raise CliError(f"cannot write {out}: no such folder {target.parent}")


def cmd_export_format(args: argparse.Namespace) -> int:
    """`export-met|export-lido|export-dc CATALOGUE --out FILE [--force]`."""
    from heritage_desk.cli.catalogue_verbs import _catalogue
    from heritage_desk.storage.formats.dublin_core import export_dublin_core
    from heritage_desk.storage.formats.lido import export_lido
    from heritage_desk.storage.formats.met import export_met

    _check_out(args.catalogue, args.out, args.force)
    with _catalogue(args.catalogue, create=False) as cat:
        try:
            if args.verb == "export-met":
                report = export_met(cat, args.out, bom=args.bom)
            elif args.verb == "export-lido":
                report = export_lido(cat, args.out)
            else:
                report = export_dublin_core(cat, args.out)
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"exported {report.rows} assets to {report.path}")
    return 0
