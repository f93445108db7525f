"""CLI verbs for museum exchange formats: Met-style CSV, LIDO 1.1 XML, Dublin Core XML."""

from __future__ import annotations

import argparse
from typing import Any

from heritage_desk.cli import add_output, cannot_write, output_error

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
        add_output(p, "file to write", required=True, metavar=f"FILE{suffix}")
        if verb == "export-met":
            p.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (Excel)")
        p.set_defaults(func=cmd_export_format, verb=verb)
    p = subparsers.add_parser(
        "import-iiif",
        help="import a IIIF manifest or collection (Presentation 2.1 or 3)",
        description="Fetch each manifest's image through the IIIF Image API into --into, with "
        "its label/value metadata as columns, then import the folder. Rerun to resume.",
    )
    p.add_argument("catalogue", metavar="CATALOGUE", help="catalogue file or SQLAlchemy URL")
    p.add_argument("url", metavar="URL", help="manifest or collection URL (http or https)")
    p.add_argument("--into", required=True, metavar="DIR", help="folder for the images")
    p.add_argument("--timeout", type=float, default=20.0, metavar="S", help="per connection")
    p.add_argument("--max-mb", type=int, default=40, metavar="MB", help="largest image fetched")
    p.set_defaults(func=cmd_import_iiif)


def cmd_export_format(args: argparse.Namespace) -> int:
    """`export-met|export-lido|export-dc CATALOGUE --out FILE [--force]`."""
    from heritage_desk.cli.catalogue_verbs import _catalogue
    from heritage_desk.services.outputs import OutputPathError, guard_output
    from heritage_desk.storage.formats.dublin_core import export_dublin_core
    from heritage_desk.storage.formats.lido import export_lido
    from heritage_desk.storage.formats.met import MET_COLUMNS, OUR_COLUMNS, export_met

    with _catalogue(args.catalogue, create=False) as cat:
        try:
            header = (*MET_COLUMNS, *OUR_COLUMNS) if args.verb == "export-met" else ()
            guard_output(cat, args.out, header=header, force=args.force)
            if args.verb == "export-met":
                report = export_met(cat, args.out, bom=args.bom)
            elif args.verb == "export-lido":
                report = export_lido(cat, args.out)
            else:
                report = export_dublin_core(cat, args.out)
        except OutputPathError as exc:
            raise output_error(exc) from None
        except OSError as exc:
            raise cannot_write(args.out, exc) from None
    print(f"exported {report.rows} assets to {report.path}")
    return 0


def cmd_import_iiif(args: argparse.Namespace) -> int:
    """`import-iiif CATALOGUE URL --into DIR`: fetch, then import; the report on stdout."""
    from heritage_desk.cli.catalogue_verbs import _catalogue, _progress_printer
    from heritage_desk.storage.formats.iiif import Limits, import_iiif

    limits = Limits(timeout_s=args.timeout, image_bytes=args.max_mb * 2**20)
    with _catalogue(args.catalogue, create=True) as cat:
        try:
            report = import_iiif(cat, args.url, args.into, limits=limits,
                                 progress=_progress_printer())  # fmt: skip
        except OSError as exc:
            raise cannot_write(args.into, exc, "--into") from None
    for line in report.lines():
        print(line)
    if report.manifests == 0:
        return 1
    return 3 if report.imported is not None and report.imported.cancelled else 0
