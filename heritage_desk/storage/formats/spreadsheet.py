"""Metadata from spreadsheets (.xlsx, .ods): the first sheet read as a CSV would be.

.xlsx is streamed with openpyxl's read-only mode (pandas' read_excel loads the whole workbook:
100,000 rows cost about ten times the memory); .ods goes through pandas with odfpy, the one
reader of that format. Either way the rows become the same MetadataTable the CSV reader makes,
so column guessing, mapping and the report are shared.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from heritage_desk.storage.csv_input import (
    CsvError,
    CsvProblem,
    CsvRow,
    MetadataTable,
    guess_mapping,
    unique_columns,
)

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".ods")


def cell_text(value: Any) -> str:
    """One cell as the text a CSV would hold: 1874 not 1874.0, a date as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell read by pandas
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows, streamed."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CsvError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    try:
        sheet = book.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        book.close()


def _ods_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows, through pandas' odf reader."""
    import pandas as pd

    try:
        frame = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="odf")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CsvError(f"{path}: not a readable .ods spreadsheet ({exc})") from None
    for values in frame.itertuples(index=False, name=None):
        yield tuple(values)


def read_spreadsheet(path: str | Path, mapping: Mapping[str, str] | None = None,
                     saved: Mapping[str, str] | None = None) -> MetadataTable:  # fmt: skip
    """The first sheet of an .xlsx / .ods as a MetadataTable (row numbers as the sheet shows)."""
    p = Path(path)
    if not p.is_file():
        raise CsvError(f"{p}: no such file")
    rows: Iterable[tuple[Any, ...]] = _ods_rows(p) if p.suffix.lower() == ".ods" else _xlsx_rows(p)
    table: MetadataTable | None = None
    problems: list[CsvProblem] = []
    for number, values in enumerate(rows, start=1):
        cells = [cell_text(v).replace("\x00", "").strip() for v in values]
        if table is None:
            if not any(cells):
                continue  # blank rows above the header
            while cells and not cells[-1]:
                cells.pop()
            columns = unique_columns(cells, problems, number)
            table = MetadataTable(p, p.suffix.lower().lstrip("."), "", columns,
                                  guess_mapping(columns, mapping, saved))  # fmt: skip
            table.problems = problems
            continue
        if not any(cells):
            continue
        width = len(table.columns)
        extra = [c for c in cells[width:] if c]
        if extra:
            table.problems.append(
                CsvProblem(number, None, f"{len(extra)} cells right of the last column; ignored")
            )
        cells = (cells + [""] * width)[:width]
        table.rows.append(CsvRow(number, dict(zip(table.columns, cells, strict=True))))
    if table is None:
        raise CsvError(f"{p}: no header row")
    return table
