"""Read a metadata CSV defensively: encoding, delimiter, NULs, bad quotes, ragged rows."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from heritage_desk.core.csvsafe import restore
from heritage_desk.storage.formats.artist_columns import ARTIST_GUESSES, ARTIST_TARGETS

#: Mapping targets: the known fields, the join keys and the columns export_csv writes.
FIELD_TARGETS = ("artist", "date", "title", "genre", "style", "medium")
KEY_TARGETS = ("image_file", "id", "inventory_number")
PROVENANCE_SUFFIXES = ("source", "model_version", "probability", "reviewer", "decided_at")
_PROVENANCE_TARGETS = tuple(f"{f}_{s}" for f in FIELD_TARGETS for s in PROVENANCE_SUFFIXES)
EXTRA_TARGETS = ("year_from", "year_to", "date_edtf", *ARTIST_TARGETS, *_PROVENANCE_TARGETS)
TARGETS = KEY_TARGETS + FIELD_TARGETS + EXTRA_TARGETS

#: Header spellings tried in order, after normalising (lower case, "_" for spaces and dashes).
GUESSES: dict[str, tuple[str, ...]] = {
    "image_file": ("image_file", "image", "file", "filename", "file_name", "image_path", "path"),
    "id": ("id", "object_id", "aic_id", "image_id", "record_id", "objectid"),
    "inventory_number": (
        "inventory_number", "inventory_no", "inventory", "inv_no", "accession_number",
        "accession_no", "accession", "object_number", "objectnumber", "catalogue_number",
    ),
    "artist": (
        "artist", "creator", "maker", "artist_display", "artist_display_name", "artist_name",
        "painter", "author",
    ),
    "date": (
        "date_display", "date", "dated", "date_text", "object_date", "creation_date", "date_made",
        "year",
    ),
    # Met Open Access: Object Begin/End Date are the earliest/latest years of Object Date.
    "year_from": ("year_from", "object_begin_date", "earliest_date", "date_earliest"),
    "year_to": ("year_to", "object_end_date", "latest_date", "date_latest"),
    # Read with the date: its years come from the date text or the two columns above.
    "date_edtf": ("date_edtf", "object_date_edtf", "edtf"),
    **ARTIST_GUESSES,
    "title": ("title", "object_title", "name"),
    "genre": ("genre", "subject", "category"),
    "style": ("style", "movement", "period"),
    "medium": ("medium", "technique", "medium_display", "materials", "material"),
}  # fmt: skip
DELIMITERS = (",", ";", "\t", "|")
#: The longest cell kept (the csv module's own default limit): no catalogue field needs more,
#: and a longer one is a pasted document or a broken export. It is reported, not read as a
#: quoting fault: the reader itself takes cells of any length (the file is in memory anyway).
MAX_CELL = 131_072
_READ_ANY_CELL = 2**31 - 1  # the largest limit a C long takes everywhere (Windows included)
_SNIFF_LINES = 50
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


class CsvError(Exception):
    """The CSV cannot be read at all (missing, binary, no header, bad mapping): one line."""


@dataclass(frozen=True)
class CsvProblem:
    """One problem in a CSV, naming its row (line number, header = 1) and column when known."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


@dataclass(frozen=True)
class CsvRow:
    """One valid data row: its line number and its cells by column name."""

    row: int
    cells: dict[str, str]


@dataclass
class MetadataTable:
    """The valid rows of a metadata CSV, how it was read, and what was wrong with it."""

    path: Path
    encoding: str
    delimiter: str
    columns: list[str]
    mapping: dict[str, str]
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)

    def value(self, row: CsvRow, target: str) -> str:
        """The stripped cell of `row` mapped to `target` ("" when unmapped or empty)."""
        column = self.mapping.get(target)
        return restore(row.cells.get(column, "").strip()) if column else ""


def normalise_header(name: str) -> str:
    """ "Accession Number" -> "accession_number"; strips BOMs and stray spaces."""
    name = name.replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-./]+", "_", name).strip("_")


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """ "field=column" items (from --map) as a dict; CsvError on a malformed item."""
    out: dict[str, str] = {}
    for item in items:
        target, sep, column = item.partition("=")
        target = normalise_header(target)
        if not sep or not column.strip():
            raise CsvError(f"--map {item!r}: expected field=column")
        if target not in TARGETS:
            raise CsvError(
                f"--map {item!r}: unknown field {target!r} (known: {', '.join(TARGETS)})"
            )
        out[target] = column.strip()
    return out


def guess_mapping(columns: list[str], given: Mapping[str, str] | None = None,
                  saved: Mapping[str, str] | None = None) -> dict[str, str]:  # fmt: skip
    """Targets -> columns: `given` first (exact or case-insensitive), then a `saved` mapping
    where this file has its columns, then common headers."""
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(normalise_header(c), c)
    mapping: dict[str, str] = {}
    for target, column in (given or {}).items():
        if column in columns:
            mapping[target] = column
        elif normalise_header(column) in by_norm:
            mapping[target] = by_norm[normalise_header(column)]
        else:
            raise CsvError(f"--map {target}={column}: no column {column!r} in the CSV")
    used = set(mapping.values())
    for target, column in (saved or {}).items():
        found = column if column in columns else by_norm.get(normalise_header(column))
        if target in TARGETS and target not in mapping and found and found not in used:
            mapping[target] = found
            used.add(found)
    for target in TARGETS:
        if target in mapping:
            continue
        for name in GUESSES.get(target, (target,)):
            found = by_norm.get(name)
            if found is not None and found not in used:
                mapping[target] = found
                used.add(found)
                break
    return mapping


def detect_encoding(data: bytes) -> tuple[str, str | None]:
    """The codec of `data` and a note when it was a guess (UTF-16 without BOM, cp1252)."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return codec, None
    head = data[:4000]
    if len(head) >= 4:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) * 0.4 and even == 0:
            return "utf-16-le", "no byte-order mark; read as UTF-16 LE"
        if even > len(head) * 0.4 and odd == 0:
            return "utf-16-be", "no byte-order mark; read as UTF-16 BE"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return "cp1252", f"not UTF-8 (first bad byte on line {line}); read as Windows-1252"
    return "utf-8", None


def _decode(data: bytes, codec: str) -> str:
    """Decode; cp1252 has five unassigned bytes, which fall back to Latin-1."""
    if codec == "cp1252":
        return "".join(
            chunk.decode("cp1252", errors="strict") if chunk.isascii() else _cp1252(chunk)
            for chunk in data.splitlines(keepends=True)
        )
    return data.decode(codec, errors="replace")


def _cp1252(chunk: bytes) -> str:
    try:
        return chunk.decode("cp1252")
    except UnicodeDecodeError:
        return chunk.decode("latin-1")


def _looks_binary(text: str) -> bool:
    """True when over a tenth of the first characters are control characters (not a CSV)."""
    head = text[:8000]
    controls = sum(1 for c in head if ord(c) < 32 and c not in "\t\r\n")
    return controls > max(8, len(head) // 10)


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the most consistent, widest table."""
    sample = [ln for ln in lines[:_SNIFF_LINES] if ln.strip()]
    best, best_score = ",", (-1, -1)
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(sample, delimiter=d)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        score = (sum(c == counts[0] for c in counts), counts[0])
        if score > best_score:
            best, best_score = d, score
    return best


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split only at CR, LF and CRLF (not str.splitlines' extras)."""
    return _LINE.findall(text)


def _records(
    lines: list[str], delimiter: str, width: int, base: int
) -> Iterator[tuple[int, list[str] | None, int]]:
    """(row, fields, last row) per record; fields None for bad quoting, then reading resumes.

    A record over several lines with the wrong width (a stray quote, or a quoted multi-line
    cell in a ragged row) is skipped whole and reported with its rows: resuming inside it
    would read the tail of a quoted cell as a record of its own.
    """
    start = 0
    while start < len(lines):
        reader = csv.reader(iter(lines[start:]), delimiter=delimiter, strict=True)
        consumed, restart, resume = 0, -1, -1
        try:
            for fields in reader:
                first, span, consumed = (
                    start + consumed,
                    reader.line_num - consumed,
                    reader.line_num,
                )
                if span > 1 and len(fields) != width:
                    restart, resume = first, start + consumed
                    break
                yield base + first + 1, fields, base + first + span
        except csv.Error:
            restart = start + consumed
            resume = restart + 1
        if restart < 0:
            return
        yield base + restart + 1, None, base + resume
        start = resume


def _quote_fault(line: str, delimiter: str) -> tuple[int, str]:
    """(field index, reason) of the first quoting fault on one line."""
    index, in_quote, at_start, closed = 0, False, True, False
    for ch in line.rstrip("\r\n"):
        if in_quote:
            if ch == '"':
                in_quote, closed = False, True
        elif closed and ch == '"':
            in_quote, closed = True, False  # a doubled quote inside a quoted field
        elif ch == delimiter:
            index, at_start, closed = index + 1, True, False
        elif closed:
            return index, "text after a closing quote"
        elif ch == '"' and at_start:
            in_quote, at_start = True, False
        else:
            at_start = False
    return index, "unterminated quote" if in_quote else "bad quoting"


def read_metadata(path: str | Path, mapping: Mapping[str, str] | None = None,
                  saved: Mapping[str, str] | None = None) -> MetadataTable:  # fmt: skip
    """Read a metadata CSV: valid rows, the target->column mapping, and every problem."""
    p = Path(path)
    # Was 128 KB: a longer cell raised csv.Error, blamed on the line's last column as "bad
    # quoting" (and a long multi-line cell became one problem per line). _add_row reports it.
    csv.field_size_limit(max(csv.field_size_limit(), _READ_ANY_CELL))
    if p.suffix.lower() in (".xlsx", ".xlsm", ".ods"):  # formats.spreadsheet, same table
        from heritage_desk.storage.formats.spreadsheet import read_spreadsheet

        return read_spreadsheet(p, mapping, saved)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise CsvError(f"{p}: no such file") from None
    except OSError as exc:
        raise CsvError(f"{p}: cannot read ({exc.strerror or exc})") from None
    if not data.strip():
        raise CsvError(f"{p}: the file is empty")
    codec, note = detect_encoding(data)
    text = _decode(data, codec)
    if _looks_binary(text):
        raise CsvError(f"{p}: not a text CSV (binary content)")
    lines = split_lines(text)
    delimiter = detect_delimiter(lines)
    problems = [CsvProblem(None, None, note)] if note else []
    h = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    header = next(csv.reader([lines[h]], delimiter=delimiter), []) if h is not None else []
    header = [f.replace("\ufeff", "").replace("\x00", "").strip() for f in header]
    if h is None or not any(header):
        raise CsvError(f"{p}: no header row")
    columns = unique_columns(header, problems, h + 1)
    table = MetadataTable(p, codec, delimiter, columns, guess_mapping(columns, mapping, saved))
    table.problems = problems
    for row, fields, last in _records(lines[h + 1 :], delimiter, len(columns), h + 1):
        if fields is None:
            i, fault = _quote_fault(lines[row - 1], delimiter)
            col = columns[i] if i < len(columns) else None
            skipped = "row skipped" if last <= row else f"rows {row}-{last} skipped"
            problems.append(CsvProblem(row, col, f"{fault}; {skipped}"))
        elif any(f.strip() for f in fields):
            _add_row(table, row, fields)
    return table


def _add_row(table: MetadataTable, row: int, fields: list[str]) -> None:
    """Check one record's width and NULs; keep it or report why not."""
    cols = table.columns
    width = len(cols)
    if len(fields) > width and not any(f.strip() for f in fields[width:]):
        fields = fields[:width]  # trailing empty cells from a spreadsheet
    if len(fields) != width:
        col = cols[len(fields)] if len(fields) < width else None
        extra = "missing" if len(fields) < width else "extra"
        table.problems.append(
            CsvProblem(row, col, f"{len(fields)} fields, expected {width} ({extra}); row skipped")
        )
        return
    for i, (name, cell) in enumerate(zip(cols, fields, strict=True)):
        if "\x00" in cell:
            table.problems.append(CsvProblem(row, name, "NUL byte in cell; row skipped"))
            return
        if len(cell) > MAX_CELL:
            table.problems.append(CsvProblem(row, name, (
                f"cell of {len(cell):,} characters, over the limit of {MAX_CELL:,}; "
                "the cell left out, the rest of the row read"
            )))  # fmt: skip
            fields[i] = ""
    table.rows.append(CsvRow(row, dict(zip(cols, fields, strict=True))))


def unique_columns(header: list[str], problems: list[CsvProblem], row: int) -> list[str]:
    """Header names made unique and non-empty; duplicates reported."""
    out: list[str] = []
    for i, name in enumerate(header, start=1):
        if not name:
            name = f"column {i}"
        if name in out:
            problems.append(CsvProblem(row, name, "duplicate column name; later one renamed"))
            name = f"{name} ({i})"
        out.append(name)
    return out
