"""Met Open Access-style CSV out: the Met's column names for what the catalogue holds.

Only what the catalogue stores is written (no invented Classification or Credit Line), plus
our provenance columns and EDTF, so the file re-imports without loss: every header here is one
the importer guesses.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

from heritage_desk.core.artist_facts import ArtistFacts
from heritage_desk.core.atomic import atomic_write
from heritage_desk.core.csvsafe import neutralise_row
from heritage_desk.core.dates import parse_date
from heritage_desk.core.edtf import edtf_range
from heritage_desk.core.model import Asset, Field, FieldValue
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import EXPORT_FIELDS, PAGE, PROVENANCE_COLUMNS, ExportReport

MET_COLUMNS = (
    "Object Number", "Title", "Artist Display Name", "Artist Display Bio", "Artist Begin Date",
    "Artist End Date", "Artist ULAN URL", "Artist Wikidata URL", "Artist RKD URL",
    "Object Date", "Object Begin Date", "Object End Date", "Object Date EDTF", "Medium",
)  # fmt: skip
#: Our columns after the Met's: what the Met has no column for, and where each value came from.
_PROVENANCE = tuple(f"{f.value}_{c}" for f in EXPORT_FIELDS for c in PROVENANCE_COLUMNS)
OUR_COLUMNS = ("image_file", "genre", "style", *_PROVENANCE)


def date_edtf(fv: FieldValue | None) -> str:
    """The EDTF of a date value: as parsed from its text when its years agree ("1710~"), else
    its stored range ("1875/1885", e.g. a suggested range)."""
    if fv is None:
        return ""
    parsed = parse_date(fv.value)
    if fv.year_from is None:
        return parsed.edtf if parsed is not None and parsed.problem is None else ""
    year_to = fv.year_to if fv.year_to is not None else fv.year_from
    if parsed is not None and parsed.years == (fv.year_from, year_to):
        return parsed.edtf
    return edtf_range(fv.year_from, year_to)


def _year(value: int | None) -> str:
    return "" if value is None else str(value)


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def artist_of(asset: Asset, facts: dict[str, ArtistFacts]) -> ArtistFacts | None:
    """The facts of the asset's artist, when the catalogue has any."""
    fv = asset.fields.get(Field.ARTIST)
    return facts.get(parse_artist(fv.value).key) if fv is not None else None


def met_row(asset: Asset, facts: dict[str, ArtistFacts]) -> list[str]:
    """One Met-style row (before formula neutralisation)."""
    f = asset.fields
    date = f.get(Field.DATE)
    who = artist_of(asset, facts)
    life = who.life if who is not None else None
    urls = who.ids.urls() if who is not None else {}
    value = {k: (v.value if v is not None else "") for k, v in f.items()}
    row = [
        asset.inventory_number or "", value.get(Field.TITLE, ""), value.get(Field.ARTIST, ""),
        life.text if life is not None else "",
        _year(life.earliest if life is not None else None),
        _year(life.latest if life is not None else None),
        urls.get("ulan", ""), urls.get("wikidata", ""), urls.get("rkd", ""),
        value.get(Field.DATE, ""),
        _year(date.year_from if date is not None else None),
        _year(date.year_to if date is not None else None),
        date_edtf(date), value.get(Field.MEDIUM, ""),
        asset.image_path, value.get(Field.GENRE, ""), value.get(Field.STYLE, ""),
    ]  # fmt: skip
    for field in EXPORT_FIELDS:
        fv = f.get(field)
        if fv is None:
            row += [""] * len(PROVENANCE_COLUMNS)
        else:
            row += [fv.provenance.value, fv.model_version or "", _cell(fv.probability),
                    fv.reviewer or "", _cell(fv.decided_at)]  # fmt: skip
    return row


def write_assets(catalogue: Catalogue, out_path: str | Path, columns: Sequence[str],
                 row_of: Callable[[Asset], list[str]], *, bom: bool = False,
                 progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> ExportReport:  # fmt: skip
    """Write one neutralised CSV row per asset, atomically, a page of assets at a time."""
    out = Path(out_path).expanduser()
    ids = catalogue.asset_ids(AssetQuery())
    done = 0
    with atomic_write(out, encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, dialect="excel", lineterminator="\r\n")
        writer.writerow(columns)
        for start in range(0, len(ids), PAGE):
            if cancel is not None:
                cancel.raise_if_cancelled()
            for asset in catalogue.get_assets(ids[start : start + PAGE]):
                writer.writerow(neutralise_row(row_of(asset)))
                done += 1
            if progress is not None:
                progress(Progress(done, len(ids), "exporting"))
    return ExportReport(out, done, len(columns))


def export_met(catalogue: Catalogue, out_path: str | Path, *, bom: bool = False,
               progress: ProgressCallback | None = None,
               cancel: CancelToken | None = None) -> ExportReport:  # fmt: skip
    """The catalogue as a Met Open Access-style CSV (re-imports without loss)."""
    facts = catalogue.all_artist_facts()
    return write_assets(catalogue, out_path, (*MET_COLUMNS, *OUR_COLUMNS),
                        lambda a: met_row(a, facts), bom=bom, progress=progress,
                        cancel=cancel)  # fmt: skip
