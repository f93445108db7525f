"""Defensive metadata CSV reading: encodings, delimiters, bad rows named by row and column."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from heritage_desk.storage.csv_input import (
    CsvError,
    guess_mapping,
    parse_mapping,
    read_metadata,
    split_lines,
)
from tests.fixtures.broken import append_raw, write_csv

HEADER = ["file", "Artist", "Date", "Title"]
ROWS = [
    ["a.jpg", "Claude Monet", "1874", "Impression"],
    ["b.jpg", "Édouard Manet", "c. 1870", "Café; “Le Bon Bock”"],
    ["c.jpg", "Renoir, Pierre-Auguste", "1870/80", 'Say "cheese", please'],
]


def _values(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[r.cells[c] for c in table.columns] for r in table.rows]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8", ","), ("utf-8-sig", ","), ("utf-16", ","), ("utf-16", "\t"), ("utf-8", ";"),
     ("utf-8", "\t"), ("utf-8-sig", ";")],
)  # fmt: skip
def test_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str) -> None:
    path = write_csv(tmp_path / "m.csv", [HEADER, *ROWS], encoding=encoding, delimiter=delimiter)
    table = read_metadata(path)
    assert table.delimiter == delimiter
    assert table.columns == HEADER  # no BOM left in the first header
    assert _values(table) == ROWS
    assert table.problems == []
    assert table.mapping["image_file"] == "file"
    assert table.mapping["artist"] == "Artist"


def test_cp1252_is_detected_and_noted(tmp_path: Path) -> None:
    rows = [HEADER, ["a.jpg", "Édouard Manet", "1874", "Café – “bock”"]]
    table = read_metadata(write_csv(tmp_path / "m.csv", rows, encoding="cp1252"))
    assert table.encoding == "cp1252"
    assert _values(table) == [rows[1]]
    assert any("Windows-1252" in str(p) for p in table.problems)


def test_utf16_without_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [HEADER, *ROWS], encoding="utf-16-le")
    assert not path.read_bytes().startswith(codecs.BOM_UTF16_LE)
    table = read_metadata(path)
    assert _values(table) == ROWS


def test_bad_rows_are_named_and_the_rest_kept(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [HEADER, ROWS[0]])
    append_raw(path, "r1.jpg,Degas,1879\r\n")  # row 3: ragged (missing)
    append_raw(path, "r2.jpg,Degas,1879,T,extra\r\n")  # row 4: ragged (extra)
    append_raw(path, "n.jpg,Zo\x00e,1880,T\r\n")  # row 5: NUL
    append_raw(path, 'q.jpg,"Open quote,1881,T\r\n')  # row 6: unterminated quote
    append_raw(path, "ok.jpg,Cezanne,1882,T\r\n")  # row 7: fine
    append_raw(path, 'm.jpg,"multi\r\nline",1883,T\r\n')  # rows 8-9: a valid multi-line cell
    append_raw(path, 'x.jpg,"Ok"x,1,T\r\n')  # row 10: text after a closing quote
    append_raw(path, "t.jpg,Sisley,1884,T,,\r\n")  # row 11: trailing empty cells are fine
    table = read_metadata(path)
    assert [r.cells["file"] for r in table.rows] == ["a.jpg", "ok.jpg", "m.jpg", "t.jpg"]
    assert table.rows[2].cells["Artist"] == "multi\r\nline"
    by_row = {p.row: p for p in table.problems}
    assert set(by_row) == {3, 4, 5, 6, 10}
    assert "expected 4" in by_row[3].reason and by_row[3].column == "Title"
    assert "extra" in by_row[4].reason
    assert "NUL" in by_row[5].reason and by_row[5].column == "Artist"
    assert "unterminated quote" in by_row[6].reason and by_row[6].column == "Artist"
    assert by_row[10].column == "Artist"
    assert str(by_row[5]).startswith("row 5, column 'Artist': ")


def test_unterminated_quote_at_end(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [HEADER, ROWS[0]])
    append_raw(path, 'z.jpg,Monet,"1890,T\r\nlast.jpg,Monet,1891,T\r\n')
    table = read_metadata(path)
    assert [r.cells["file"] for r in table.rows] == ["a.jpg", "last.jpg"]
    assert [(p.row, p.column) for p in table.problems] == [(3, "Date")]


def test_split_lines_keeps_odd_separators_in_cells() -> None:
    assert split_lines("a\u2028b,c\r\nd\re\n") == ["a\u2028b,c\r\n", "d\r", "e\n"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"   \r\n", "empty"), (bytes(range(256)) * 8, "binary")],
)
def test_unreadable_files_raise_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    with pytest.raises(CsvError, match=message):
        read_metadata(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match="no such file"):
        read_metadata(tmp_path / "nope.csv")


def test_guess_mapping_common_headers() -> None:
    cols = ["Object Number", "Creator", "Date Display", "Technique", "Image", "Genre", "Style"]
    m = guess_mapping(cols)
    assert m["inventory_number"] == "Object Number"
    assert m["artist"] == "Creator"
    assert m["date"] == "Date Display"
    assert m["medium"] == "Technique"
    assert m["image_file"] == "Image"
    aic = ["image_file", "artist", "artist_display", "date_display", "year", "aic_id", "medium"]
    m = guess_mapping(aic)
    assert (m["artist"], m["date"], m["id"]) == ("artist", "date_display", "aic_id")


def test_explicit_mapping_wins_and_is_checked() -> None:
    cols = ["Maker", "Artist", "Pic"]
    m = guess_mapping(cols, parse_mapping(["artist=maker", "image_file=Pic"]))
    assert m["artist"] == "Maker" and m["image_file"] == "Pic"
    with pytest.raises(CsvError, match="no column 'Nope'"):
        guess_mapping(cols, {"artist": "Nope"})
    with pytest.raises(CsvError, match="unknown field"):
        parse_mapping(["colour=Pic"])
    with pytest.raises(CsvError, match="field=column"):
        parse_mapping(["artist"])


def test_exported_formula_cells_are_restored(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["image_file", "title"], ["a.jpg", "'=1+2"]])
    table = read_metadata(path)
    assert table.value(table.rows[0], "title") == "=1+2"


def test_duplicate_and_empty_headers(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["file", "title", "title", ""], ["a", "b", "c", "d"]])
    table = read_metadata(path)
    assert table.columns == ["file", "title", "title (3)", "column 4"]
    assert [(p.row, p.column) for p in table.problems] == [(1, "title")]
