"""Metadata from spreadsheets (.xlsx, .xlsm, .ods): the first sheet read as a CSV would be.

Read with python-calamine (Rust), which reads both formats: openpyxl's read-only mode took
about 30 times as long on the same .xlsx, and odfpy longer still (benchmarks/bench_import.py).
The rows become the same MetadataTable the CSV reader makes, so column guessing, mapping and
the report are shared; row numbers are the sheet's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
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
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value)


def _sheet_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row number, cells) of the first sheet, streamed."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        # iter_rows starts at the sheet's first row (leading blank rows included, as blank
        # lists), so the numbers are the ones the curator sees in the spreadsheet.
        yield from enumerate(sheet.iter_rows(), start=1)
    except (CalamineError, ValueError, OSError, IndexError) as exc:
        kind = path.suffix.lower().lstrip(".")
        raise CsvError(f"{path}: not a readable .{kind} spreadsheet ({exc})") from None


def read_spreadsheet(path: str | Path, mapping: Mapping[str, str] | None = None,
                     saved: Mapping[str, str] | None = None) -> MetadataTable:  # fmt: skip
    """The first sheet of an .xlsx / .ods as a MetadataTable (row numbers as the sheet shows)."""
    p = Path(path)
    if not p.is_file():
        raise CsvError(f"{p}: no such file")
    table: MetadataTable | None = None
    problems: list[CsvProblem] = []
    for number, values in _sheet_rows(p):
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
