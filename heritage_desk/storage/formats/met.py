"""Met Open Access-style CSV out: the Met's column names for what the catalogue holds.

Only what the catalogue stores is written (no invented Classification or Credit Line), plus
our provenance columns and EDTF, so the file re-imports without loss: every header here is one
the importer guesses.
"""

from __future__ import annotations

from pathlib import Path

from heritage_desk.core.artist_facts import ArtistFacts
from heritage_desk.core.dates import parse_date
from heritage_desk.core.edtf import edtf_range
from heritage_desk.core.model import Asset, Field, FieldValue
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken, ProgressCallback
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import (
    EXPORT_FIELDS,
    PROVENANCE_COLUMNS,
    ExportReport,
    cell,
    provenance_cells,
    write_rows,
)

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
        cell(life.earliest if life is not None else None),
        cell(life.latest if life is not None else None),
        urls.get("ulan", ""), urls.get("wikidata", ""), urls.get("rkd", ""),
        value.get(Field.DATE, ""),
        cell(date.year_from if date is not None else None),
        cell(date.year_to if date is not None else None),
        date_edtf(date), value.get(Field.MEDIUM, ""),
        asset.image_path, value.get(Field.GENRE, ""), value.get(Field.STYLE, ""),
    ]  # fmt: skip
    for field in EXPORT_FIELDS:
        row += provenance_cells(f.get(field))
    return row


def export_met(catalogue: Catalogue, out_path: str | Path, *, bom: bool = False,
               progress: ProgressCallback | None = None,
               cancel: CancelToken | None = None) -> ExportReport:  # fmt: skip
    """The catalogue as a Met Open Access-style CSV (re-imports without loss)."""
    facts = catalogue.all_artist_facts()
    return write_rows(catalogue, out_path, (*MET_COLUMNS, *OUR_COLUMNS),
                      lambda a: met_row(a, facts), bom=bom, progress=progress,
                      cancel=cancel)  # fmt: skip
