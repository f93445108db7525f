"""CLI verbs on a catalogue: import, export, info."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from heritage_desk.cli import CliError, add_output, cannot_write, output_error, summary_stream

#: `info` lines, in order: label and stats() key.
INFO_LINES = (
    ("assets", "assets"),
    ("with artist", "with_artist"),
    ("without artist", "without_artist"),
    ("with year", "with_year"),
    ("without year", "without_year"),
    ("pending suggestions", "pending_suggestions"),
)


def register(subparsers: Any) -> None:
    """Add the import, export and info verbs."""
    p = subparsers.add_parser(
        "import",
        help="import a folder of images and an optional metadata CSV",
        description="Import images (recursive: jpg, png, tif, webp) and their metadata CSV.",
    )
    p.add_argument("catalogue", metavar="CATALOGUE", help="catalogue file or SQLAlchemy URL")
    p.add_argument("--images", required=True, metavar="DIR", help="folder of images")
    p.add_argument(
        "--metadata", metavar="FILE", help="known metadata: CSV, .xlsx or .ods (first sheet)"
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="CSV column of a field (artist, date, title, genre, style, medium, "
        "inventory_number, image_file, id); repeatable",
    )
    p.add_argument(
        "--mapping",
        metavar="FILE.json",
        help="column mapping saved with --save-mapping (--map wins over it; the catalogue "
        "also reuses its last import's mapping where the columns match)",
    )
    p.add_argument("--save-mapping", metavar="FILE.json", help="write the mapping used to FILE")
    p.set_defaults(func=cmd_import)

    p = subparsers.add_parser("export", help="export the catalogue as CSV")
    p.add_argument("catalogue", metavar="CATALOGUE", help="catalogue file or SQLAlchemy URL")
    add_output(p, "CSV file to write (- for stdout)", required=True)
    p.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (for Excel)")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser("info", help="print counts of a catalogue")
    p.add_argument("catalogue", metavar="CATALOGUE", help="catalogue file or SQLAlchemy URL")
    p.set_defaults(func=cmd_info)


@contextmanager
def _catalogue(location: str, *, create: bool) -> Iterator[Any]:
    """An open catalogue; CliError with one line when it cannot be opened."""
    from heritage_desk.storage.catalogue import Catalogue
    from heritage_desk.storage.errors import CatalogueError

    try:
        cat = Catalogue.open(location, create=create)
    except CatalogueError as exc:
        raise CliError(str(exc)) from None
    try:
        yield cat
    except CatalogueError as exc:
        raise CliError(str(exc)) from None
    finally:
        cat.close()


def cmd_import(args: argparse.Namespace) -> int:
    """`import CATALOGUE --images DIR [--metadata CSV] [--map field=column ...]`."""
    from heritage_desk.storage.csv_input import CsvError, parse_mapping
    from heritage_desk.storage.formats.mapping_store import load_mapping_file, save_mapping_file
    from heritage_desk.storage.importer import ImportFailed, import_collection

    try:
        mapping = load_mapping_file(args.mapping) if args.mapping else {}
        mapping.update(parse_mapping(args.map))
    except CsvError as exc:
        raise CliError(str(exc)) from None
    with _catalogue(args.catalogue, create=True) as cat:
        try:
            report = import_collection(
                cat, args.images, args.metadata, mapping or None, progress=_progress_printer()
            )
        except ImportFailed as exc:
            raise CliError(str(exc)) from None
    for line in report.lines():
        print(line)
    if args.save_mapping and report.mapping:
        try:
            save_mapping_file(args.save_mapping, report.mapping)
        except OSError as exc:
            raise cannot_write(args.save_mapping, exc, "--save-mapping") from None
        print(f"mapping saved to {args.save_mapping}")
    return 3 if report.cancelled else 0


def _progress_printer() -> Any:
    """A progress callback that redraws one line on a terminal, and stays silent otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(p: Any) -> None:
        if p.done % 50 == 0 or p.done == p.total:
            end = "\n" if p.done == p.total else ""
            print(f"\r{p.done}/{p.total} images", end=end, file=sys.stderr, flush=True)

    return show


def cmd_export(args: argparse.Namespace) -> int:
    """`export CATALOGUE --out FILE.csv [--bom]`."""
    from heritage_desk.services.outputs import OutputPathError, guard_output
    from heritage_desk.storage.exporter import export_columns, export_csv

    with _catalogue(args.catalogue, create=False) as cat:
        try:
            guard_output(cat, args.out, header=export_columns(), force=args.force)
            report = export_csv(cat, args.out, bom=args.bom)
        except OutputPathError as exc:
            raise output_error(exc) from None
        except OSError as exc:
            raise cannot_write(args.out, exc) from None
    print(f"exported {report.rows} assets to {report.path}", file=summary_stream(args.out))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """`info CATALOGUE`: one count per line."""
    with _catalogue(args.catalogue, create=False) as cat:
        from heritage_desk.storage.db import QUICK_CHECK_MAX_BYTES

        cat.ensure_sound(QUICK_CHECK_MAX_BYTES)  # damage said before counts are printed
        stats = cat.stats()
    for label, key in INFO_LINES:
        print(f"{label}: {stats.get(key, 0)}")
    sys.stdout.flush()
    return 0
