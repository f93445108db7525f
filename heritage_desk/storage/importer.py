"""Import a folder of images and an optional metadata CSV into a catalogue, with a report."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from heritage_desk.core.dates import is_unknown, parse_date
from heritage_desk.core.digest import file_sha256
from heritage_desk.core.model import METADATA_FIELDS, Asset, Field, FieldValue, Provenance
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.csv_input import CsvError, CsvRow, MetadataTable
from heritage_desk.storage.formats.artist_columns import ARTIST_TARGETS, row_artist_facts
from heritage_desk.storage.formats.column_report import mapping_lines, unused_columns
from heritage_desk.storage.formats.mapping_store import open_metadata
from heritage_desk.storage.images import (
    IMAGE_SUFFIXES,
    ImageFacts,
    ImageProblem,
    UnsafePathError,
    inspect_image,
    iter_image_files,
    printable,
    resolve_inside,
    safe_relative,
)
from heritage_desk.storage.import_cells import (
    MAX_LENGTH,
    T,
    limited,
    parse_time,
    parse_year,
    read_cell,
)
from heritage_desk.storage.import_join import RowJoin, join_key

#: Files per transaction: large enough to be fast, small enough that cancel keeps most work.
BATCH = 200
#: Values a curator decided; an import never overwrites them.
PROTECTED = (Provenance.CURATOR, Provenance.SUGGESTION)


class ImportFailed(Exception):
    """Nothing could be imported (no images folder, unreadable CSV): one line."""


@dataclass
class ImportReport:
    """What an import did: counts, and one (file or row, reason) line per problem."""

    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_duplicates: int = 0
    kept_curator_values: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    #: The metadata file's target -> column mapping used, and the columns nothing read.
    mapping: dict[str, str] = field(default_factory=dict)
    #: Where each mapped column came from: "given" (--map, dialog, --mapping), "saved", "guessed".
    mapping_sources: dict[str, str] = field(default_factory=dict)
    unused_columns: list[str] = field(default_factory=list)
    #: Artists whose life dates or authority ids a row stated (kept on the artist).
    artist_facts: int = 0
    #: CSV rows whose *_source claimed a curator's or reviewer's confirmation (read as imported).
    unproven_rows: list[int] = field(default_factory=list)

    def problem(self, where: str, reason: str) -> None:
        self.problems.append((where, " ".join(reason.split())))

    def lines(self) -> list[str]:
        """The report as text lines: counts, then problems, then notes."""
        out = [
            f"images found: {self.files}",
            f"added: {self.added}",
            f"updated: {self.updated}",
            f"unchanged: {self.unchanged}",
            f"skipped duplicates: {self.skipped_duplicates}",
            f"curator values kept: {self.kept_curator_values}",
            f"problems: {len(self.problems)}",
        ]
        if self.cancelled:
            out.append("cancelled: the files not yet reached were not imported")
        out += mapping_lines(self.mapping, self.unused_columns, self.mapping_sources)
        if self.artist_facts:
            out.append(f"artists with life dates or ids from the records: {self.artist_facts}")
        out += [f"problem: {printable(w)}: {r}" for w, r in self.problems]
        out += [f"note: {printable(w)}: {r}" for w, r in self.notes]
        if self.unproven_rows:
            rows = ", ".join(map(str, self.unproven_rows[:10]))
            more = (
                f" and {len(self.unproven_rows) - 10} more" if len(self.unproven_rows) > 10 else ""
            )
            out.append(
                f"note: row {rows}{more}: a *_source of curator or suggestion was read as imported "
                "(a confirmation comes only from a decision made in this catalogue)"
            )
        return out


def _index(table: MetadataTable, report: ImportReport, label: str) -> RowJoin:
    """Index CSV rows by their file column (or id column); report unusable paths."""
    join = RowJoin(table)
    has_file, has_id = "image_file" in table.mapping, "id" in table.mapping
    if not has_file and not has_id:
        raise ImportFailed(
            f"{table.path}: no file-name or id column (columns: {', '.join(table.columns)}); "
            "name one with --map image_file=COLUMN or --map id=COLUMN"
        )
    for row in table.rows:
        where = f"{label} row {row.row}"
        if has_file and (text := table.value(row, "image_file")):
            try:
                key = join_key(safe_relative(text))
            except UnsafePathError as exc:
                col = table.mapping["image_file"]
                report.problem(f"{where}, column {col!r}", f"{exc}; row skipped")
                continue
            if key in join.by_path:
                report.problem(where, f"second row for {text!r}; row ignored")
                continue
            join.add_path(key, row)
        elif has_id and (ident := table.value(row, "id")):
            join.by_id.setdefault(join_key(ident), row)
        else:
            report.problem(where, "no file name or id; row skipped")
    return join


def import_collection(
    catalogue: Catalogue,
    images_dir: str | Path,
    metadata_csv: str | Path | None = None,
    mapping: Mapping[str, str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ImportReport:
    """Import every valid image under `images_dir`, joined to its CSV row; report the rest."""
    root = Path(images_dir).expanduser()
    if not root.is_dir():
        raise ImportFailed(f"{root}: no such images folder")
    catalogue.ensure_sound()  # never add to a damaged file (an overwritten page)
    report = ImportReport()
    join = None
    if metadata_csv is not None:
        try:
            table, sources = open_metadata(catalogue, metadata_csv, mapping)
        except CsvError as exc:
            raise ImportFailed(str(exc)) from None
        label = Path(metadata_csv).name
        for p in table.problems:
            where = label + (f" row {p.row}" if p.row is not None else "")
            report.problem(where + (f", column {p.column!r}" if p.column else ""), p.reason)
        join = _index(table, report, label)
        report.mapping, report.mapping_sources = dict(table.mapping), sources
        report.unused_columns = unused_columns(table.columns, table.mapping)
    files = []
    for rel, real, reason in iter_image_files(root):
        if real is None:
            report.problem(rel, reason)
        else:
            files.append((rel, real))
    report.files = len(files)
    if join is not None:  # each image's row decided once: an ambiguous row goes to none
        for where, reason in join.assign([rel for rel, _ in files]):
            report.problem(where, reason)
    if files:  # before the first asset, so its relative path can always be resolved
        try:
            catalogue.record_images_root(root)
        except ValueError as exc:
            report.notes.append((str(root), str(exc)))
    seen: dict[str, str] = {}
    later: list[tuple[str, Path]] = []
    for start in range(0, len(files), BATCH):
        with catalogue.transaction():  # a cancel ends the batch early and still commits it
            for i, (rel, real) in enumerate(files[start : start + BATCH], start=start):
                if cancel is not None and cancel.cancelled:
                    report.cancelled = True
                    break
                _import_one(catalogue, root, rel, real, join, report, seen, later)
                if progress is not None:
                    progress(Progress(i + 1, len(files), rel))
        if report.cancelled:
            break
    if later and not report.cancelled:
        with catalogue.transaction():
            for rel, real in later:
                _import_one(catalogue, root, rel, real, join, report, seen)
    if join is not None and not report.cancelled:
        _report_unmatched(root, join, report)
        catalogue.save_import_mapping(join.table.mapping)  # the next import starts from it
    report.problems.sort(key=_problem_order)  # files in walk order, then CSV rows by number
    return report


def _problem_order(problem: tuple[str, str]) -> tuple[int, int]:
    """Sort key: image files first (kept in order), then CSV problems by row number."""
    m = re.search(r"\brow (\d+)", problem[0])
    if m is None:
        return (1, 0) if problem[0].endswith(".csv") else (0, 0)
    return 1, int(m.group(1))


def _import_one(catalogue: Catalogue, root: Path, rel: str, real: Path, join: RowJoin | None,
                report: ImportReport, seen: dict[str, str],
                later: list[tuple[str, Path]] | None = None) -> None:  # fmt: skip
    """Validate one image, add or find its asset, and apply its CSV row.

    A file whose content is new at a path an asset already has goes to `later`: once every
    file was seen, that asset was either relinked to its content elsewhere or was retouched.
    """
    try:
        facts = inspect_image(real)
    except ImageProblem as exc:
        report.problem(rel, str(exc))
        if join is not None and (row := join.row_for(rel)) is not None:
            join.used.add(row.row)
        return
    retouched = _asset_at_path_with_other_content(catalogue, rel, facts.checksum)
    if retouched is not None and later is not None:
        later.append((rel, real))
        return
    for note in facts.notes:
        report.notes.append((rel, note))
    row = join.row_for(rel) if join is not None else None
    if row is not None and join is not None:
        join.used.add(row.row)
        _record_artist(catalogue, join, row, report)
    if facts.checksum in seen:
        report.skipped_duplicates += 1
        report.notes.append((rel, f"same content as {seen[facts.checksum]}; skipped"))
        return
    seen[facts.checksum] = rel
    asset = catalogue.find_asset_by_checksum(facts.checksum)
    moved = False
    if asset is not None and asset.image_path != rel:
        if _holds(root / asset.image_path, facts.checksum):
            report.skipped_duplicates += 1
            report.notes.append((rel, f"same content as {asset.image_path}; skipped"))
            return
        # Moved since the last import, or swapped with another file: the record follows its
        # image, whatever name the file has now.
        catalogue.update_asset(asset.id, image_path=rel)
        report.notes.append((rel, f"moved from {asset.image_path}"))
        moved = True
    elif retouched is not None:
        catalogue.update_asset(
            retouched.id, checksum=facts.checksum, width=facts.width, height=facts.height
        )
        report.notes.append((rel, "content changed since the last import; its record kept"))
        asset, moved = catalogue.get_asset(retouched.id), True
    inventory = (
        _cell(join.table, row, "inventory_number", report, limited("inventory_number")) or ""
        if join and row
        else ""
    )
    if asset is None:
        fields = _row_updates(None, join.table, row, report) if row and join else {}
        _add(catalogue, rel, facts, inventory or None, fields)  # the asset and its row at once
        report.added += 1
        return
    changed = moved
    if inventory and not asset.inventory_number:
        catalogue.update_asset(asset.id, inventory_number=inventory)
        changed = True
    if row is not None and join is not None:
        updates = _row_updates(asset, join.table, row, report)
        # One call for the whole row: the asset is locked and its fields read once.
        catalogue.set_fields(asset.id, updates.values())
        changed = bool(updates) or changed
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _asset_at_path_with_other_content(catalogue: Catalogue, rel: str,
                                      checksum: str) -> Asset | None:  # fmt: skip
    """The asset recorded at `rel` when the file there now holds content no asset has."""
    at_path = catalogue.find_asset_by_path(rel)
    if at_path is None or at_path.checksum == checksum:
        return None
    return None if catalogue.find_asset_by_checksum(checksum) is not None else at_path


def _holds(path: Path, checksum: str) -> bool:
    """True when the file at `path` still has this content (a real duplicate, not a swap)."""
    try:
        return path.is_file() and file_sha256(path) == checksum
    except OSError:
        return False


def _add(catalogue: Catalogue, rel: str, facts: ImageFacts, inventory: str | None,
         fields: Mapping[Field, FieldValue]) -> int:  # fmt: skip
    """Add the asset of a new image with the fields of its CSV row."""
    return catalogue.add_asset(
        rel,
        facts.checksum,
        width=facts.width,
        height=facts.height,
        inventory_number=inventory,
        fields=fields.values(),
    )


def _row_updates(asset: Asset | None, table: MetadataTable, row: CsvRow,
                 report: ImportReport) -> dict[Field, FieldValue]:  # fmt: skip
    """The fields a CSV row sets: never over a curator's value, nor the same value again."""
    updates: dict[Field, FieldValue] = {}
    where = f"{table.path.name} row {row.row}"
    for f in METADATA_FIELDS:  # never a flag: a file cannot say a curator asked an expert
        value = table.value(row, f.value)
        if not value or _says_unknown(f, value):
            continue  # blank for suggestions to fill; an import never clears a value
        current = asset.fields.get(f) if asset is not None else None
        if current is not None and current.provenance in PROTECTED:
            report.kept_curator_values += current.value != value
            continue
        if f is Field.ARTIST and not _cell(table, row, f.value, report, limited("artist")):
            continue  # too long to store: reported, the rest of the row goes on
        src = _provenance(table, row, f, where, report)
        year_from, year_to = _years(table, row, f, value, where, report)
        if (
            current is not None
            and current.value == value
            and (current.year_from, current.year_to) == (year_from, year_to)
            and current.provenance == src.provenance
        ):
            continue
        updates[f] = FieldValue(
            f, value, src.provenance, year_from=year_from, year_to=year_to,
            reviewer=src.reviewer, model_version=src.model_version,
            probability=src.probability, decided_at=src.at,
        )  # fmt: skip
    return updates


def _says_unknown(f: Field, value: str) -> bool:
    """ "Date unknown", "n.d.", artist "Unknown": no information, so the field stays empty."""
    if f is Field.DATE:
        return is_unknown(value)
    if f is Field.ARTIST:
        ref = parse_artist(value)
        return ref.anonymous and not ref.key
    return False


def _years(table: MetadataTable, row: CsvRow, f: Field, value: str, where: str,
           report: ImportReport) -> tuple[int | None, int | None]:  # fmt: skip
    """Parsed years of a date (our own export's year columns win); (None, None) otherwise."""
    if f is not Field.DATE:
        return None, None
    lo, hi = _cell(table, row, "year_from", report, parse_year), None
    if lo is not None:
        hi = _cell(table, row, "year_to", report, parse_year)
        if hi is not None or not table.value(row, "year_to"):
            return lo, lo if hi is None else hi
    parsed = parse_date(value)
    if parsed is None:
        report.notes.append((where, f"date {value!r} names no year; kept as text"))
        return None, None
    if parsed.problem is not None:
        col = table.mapping.get("date", "date")
        report.problem(f"{where}, column {col!r}", f"{parsed.problem}; kept as text, no years")
        return None, None
    return parsed.years


def _record_artist(catalogue: Catalogue, join: RowJoin, row: CsvRow, report: ImportReport) -> None:
    """Keep what the row states about its artist (life dates, ids) on the artist."""
    table, artist = join.table, join.table.value(row, "artist")
    if len(artist) > MAX_LENGTH["artist"]:
        return  # the artist itself is refused as a problem of its row
    cells = {t: table.value(row, t) for t in ARTIST_TARGETS if t in table.mapping}
    facts = row_artist_facts(cells, artist, f"{table.path.name} row {row.row}")
    if facts is None or facts.key in join.artists_seen:
        return  # one source per artist and import: the first row that states facts
    join.artists_seen.add(facts.key)
    for note in catalogue.record_artist_facts([facts]):
        report.notes.append((facts.source, note))
    report.artist_facts += 1


@dataclass(frozen=True)
class _Source:
    """Where a CSV value came from: plain 'imported', or restored from our own export."""

    provenance: Provenance = Provenance.IMPORTED
    reviewer: str | None = None
    model_version: str | None = None
    probability: float | None = None
    at: datetime | None = None


def _provenance(table: MetadataTable, row: CsvRow, f: Field, where: str,
                report: ImportReport) -> _Source:  # fmt: skip
    """Provenance columns of our own export (restored on re-import), else plain 'imported'."""
    source = table.value(row, f"{f.value}_source")
    try:
        provenance = Provenance(source) if source else Provenance.IMPORTED
    except ValueError:
        report.notes.append((where, f"{f.value}_source {source!r} unknown; read as imported"))
        provenance = Provenance.IMPORTED
    at: datetime | None = _cell(table, row, f"{f.value}_decided_at", report, parse_time)
    if provenance in PROTECTED and row.row not in report.unproven_rows[-1:]:
        # A file cannot prove a confirmation: only a decision row in this catalogue does (a
        # forged "curator" value would be kept from later imports and trained on as a label).
        report.unproven_rows.append(row.row)
    return _Source(at=at)


def _cell(table: MetadataTable, row: CsvRow, target: str, report: ImportReport,
          parse: Callable[[str], T]) -> T | None:  # fmt: skip
    """The parsed cell of `target` (None when empty or bad: reported by row and column)."""
    return read_cell(table, row, target, parse, report.problem)


def _report_unmatched(root: Path, join: RowJoin, report: ImportReport) -> None:
    """Name every CSV row that matched no image, and why."""
    label = join.table.path.name
    for row in join.by_path.values():
        if row.row in join.used:
            continue
        text = join.table.value(row, "image_file")
        try:
            target = resolve_inside(root, text)
        except UnsafePathError as exc:
            report.problem(f"{label} row {row.row}", f"{exc}; row skipped")
            continue
        if target.is_file() and target.suffix.lower() not in IMAGE_SUFFIXES:
            reason = f"file {text!r} is not an image type that is imported"
        elif target.is_file():
            reason = f"file {text!r} matched no imported image"
        else:
            reason = f"file {text!r} not found in the images folder"
        report.problem(f"{label} row {row.row}", reason)
    for ident, row in join.by_id.items():
        if row.row not in join.used:
            report.problem(f"{label} row {row.row}", f"no image file for id {ident!r}")
