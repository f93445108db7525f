"""Export a catalogue as one CSV row per asset: final values and where each came from."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from heritage_desk.core.model import UNKNOWN_ARTIST, Asset, Decision, Field, FieldValue
from heritage_desk.core.outputs import STDOUT, write_csv
from heritage_desk.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage.catalogue import Catalogue

#: Fields in column order; "date" is followed by its parsed year range.
EXPORT_FIELDS = (Field.ARTIST, Field.DATE, Field.TITLE, Field.GENRE, Field.STYLE, Field.MEDIUM)
PROVENANCE_COLUMNS = ("source", "model_version", "probability", "reviewer", "decided_at")
#: Which suggestion an accepted value came from; at the end, so older columns keep their place.
ORIGIN_FIELDS = (Field.ARTIST, Field.DATE)
#: Flagged for an expert: the note, who flagged and when (after every older column).
FLAG_COLUMNS = ("flag_note", "flagged_by", "flagged_at")
#: Assets read per query: bounded memory on 100k-asset catalogues.
PAGE = 500


def export_columns() -> list[str]:
    """The stable column order of an export."""
    cols = ["image_file", "inventory_number"]
    for f in EXPORT_FIELDS:
        cols.append(f.value)
        cols += [f"{f.value}_{c}" for c in PROVENANCE_COLUMNS]
        if f is Field.DATE:
            cols += ["year_from", "year_to"]
    return cols + [f"{f.value}_accepted_from" for f in ORIGIN_FIELDS] + list(FLAG_COLUMNS)


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote."""

    path: Path
    rows: int
    columns: int


def cell(v: object) -> str:
    """A cell: "" for None, repr-exact floats, ISO 8601 times."""
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def provenance_cells(fv: FieldValue | None) -> list[str]:
    """The PROVENANCE_COLUMNS cells of one field value ("" each when there is none)."""
    if fv is None:
        return [""] * len(PROVENANCE_COLUMNS)
    return [fv.provenance.value, fv.model_version or "", cell(fv.probability),
            fv.reviewer or "", cell(fv.decided_at)]  # fmt: skip


def unknown_painter_cells(d: Decision) -> list[str]:
    """The PROVENANCE_COLUMNS cells of an artist left empty because a curator accepted "none
    of the painters I know": the value stays "", its provenance says why."""
    return [UNKNOWN_ARTIST, d.model_version or "", cell(d.probability), d.reviewer, cell(d.at)]


def asset_row(asset: Asset, unknown: Mapping[int, Decision] | None = None) -> list[str]:
    """One export row of an asset, before formula neutralisation; `unknown`: the catalogue's
    unknown_painter_accepts (the reason an empty artist is empty)."""
    row = [asset.image_path, asset.inventory_number or ""]
    why = (unknown or {}).get(asset.id)
    for f in EXPORT_FIELDS:
        fv: FieldValue | None = asset.fields.get(f)
        if f is Field.ARTIST and fv is None and why is not None:
            row += ["", *unknown_painter_cells(why)]
            continue
        row += [fv.value if fv is not None else "", *provenance_cells(fv)]
        if f is Field.DATE:
            row += [cell(fv.year_from if fv else None), cell(fv.year_to if fv else None)]
    for f in ORIGIN_FIELDS:
        fv = asset.fields.get(f)
        row.append(fv.origin or "" if fv is not None else "")
    flag = asset.fields.get(Field.FLAG)
    if flag is None:
        return row + [""] * len(FLAG_COLUMNS)
    return [*row, flag.value, flag.reviewer or "", cell(flag.decided_at)]


def each_asset(
    catalogue: Catalogue,
    what: str,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[Asset]:
    """Every asset of the catalogue, read a page (PAGE) at a time: `cancel` is checked before
    each page, `progress` told `what` after it. Every export walks the catalogue through here."""
    ids = catalogue.asset_ids(AssetQuery())
    done = 0
    for start in range(0, len(ids), PAGE):
        if cancel is not None:
            cancel.raise_if_cancelled()
        for asset in catalogue.get_assets(ids[start : start + PAGE]):
            yield asset
            done += 1
        if progress is not None:
            progress(Progress(done, len(ids), what))


def write_rows(
    catalogue: Catalogue,
    out_path: str | Path,
    columns: Sequence[str],
    row_of: Callable[[Asset], list[str]],
    *,
    bom: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """Write one neutralised CSV row per asset (`row_of`), a page of assets at a time, to
    `out_path` atomically (temp file, fsync, replace), to standard output for "-", in place
    for a device or FIFO; Cancelled leaves no file behind. Every CSV export writes through here.

    The caller guards the path first (services.outputs.guard_output)."""
    out = Path(out_path).expanduser()
    folder = out.parent if str(out.parent) else Path(".")
    if str(out_path) != STDOUT and not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    rows = (row_of(a) for a in each_asset(catalogue, "exporting", progress, cancel))
    done = write_csv(out_path if str(out_path) == STDOUT else out, columns, rows, bom=bom)
    return ExportReport(out, done, len(columns))


def export_csv(
    catalogue: Catalogue,
    out_path: str | Path,
    *,
    bom: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ExportReport:
    """The catalogue as our CSV: final values and where each came from (write_rows)."""
    unknown = catalogue.unknown_painter_accepts()
    return write_rows(
        catalogue, out_path, export_columns(), lambda a: asset_row(a, unknown),
        bom=bom, progress=progress, cancel=cancel,
    )  # fmt: skip


__all__ = [
    "Cancelled",
    "ExportReport",
    "asset_row",
    "cell",
    "each_asset",
    "export_columns",
    "export_csv",
    "provenance_cells",
    "write_rows",
]
