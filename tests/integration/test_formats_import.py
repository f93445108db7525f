"""Spreadsheets (.xlsx, .ods) import like the CSV; mappings are saved and reapplied; a
Met-style export re-imports without loss."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from heritage_desk import cli
from heritage_desk.core.model import Action, Asset, Field, Provenance
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.csv_input import CsvError
from heritage_desk.storage.formats.mapping_store import load_mapping_file
from heritage_desk.storage.formats.met import MET_COLUMNS, export_met
from heritage_desk.storage.formats.spreadsheet import read_spreadsheet
from heritage_desk.storage.importer import import_collection
from tests.fixtures import broken
from tests.fixtures.broken import write_csv

#: Museum headers (TMS / Met style), the way a registrar's export names them.
HEADERS = ["Image", "Object Number", "Artist Display Name", "Artist Display Bio",
           "Object Date", "Title", "Medium", "Credit Line"]  # fmt: skip
ROWS = [
    ["a.jpg", "1929.1", "Claude Monet", "French, 1840–1926", "c. 1880", "Haystacks",
     "Oil on canvas", "Gift of X"],
    ["b.jpg", "1930.2", "Berthe Morisot", "French, 1841–1895", "1875–80", "On the Terrace",
     "Oil on canvas", ""],
    ["c.jpg", "1931.3", "Rembrandt van Rijn", "Dutch, Leiden 1606–1669 Amsterdam", "1653",
     "Aristotle", "Oil on canvas", ""],
]  # fmt: skip


def _state(a: Asset) -> dict[str, object]:
    fields = {f.value: (v.value, v.provenance, v.year_from, v.year_to) for f, v in a.fields.items()}
    return {"path": a.image_path, "inventory": a.inventory_number, **fields}


def _all(cat: Catalogue) -> dict[str, dict[str, object]]:
    return {a.image_path: _state(a) for a in cat.get_assets(cat.asset_ids())}


def _images(folder: Path) -> Path:
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        broken.good_jpeg(folder / name)
    return folder


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r in rows:
        sheet.append(r)
    book.save(path)
    return path


def _ods(path: Path, rows: list[list[object]]) -> Path:
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(path, index=False, engine="odf")
    return path


def test_xlsx_and_ods_with_museum_headers_import_like_the_csv(tmp_path: Path) -> None:
    images = _images(tmp_path / "img")
    rows: list[list[object]] = [HEADERS, *ROWS]
    files = {
        "csv": write_csv(tmp_path / "m.csv", rows),  # type: ignore[arg-type]
        "xlsx": _xlsx(tmp_path / "m.xlsx", rows),
        "ods": _ods(tmp_path / "m.ods", rows),
    }
    states, reports = {}, {}
    for kind, path in files.items():
        with Catalogue.open(tmp_path / f"{kind}.sqlite") as cat:
            reports[kind] = import_collection(cat, images, path)
            states[kind] = _all(cat)
            monet = cat.artist_life_dates("Claude Monet")
            assert monet is not None and (monet.born, monet.died) == (1840, 1926), kind
    assert states["xlsx"] == states["csv"] == states["ods"]
    assert states["csv"]["a.jpg"]["date"] == ("c. 1880", Provenance.IMPORTED, 1875, 1885)
    assert states["csv"]["a.jpg"]["inventory"] == "1929.1"
    for kind, report in reports.items():
        assert report.added == 3 and report.problems == [], (kind, report.lines())
        assert report.mapping["artist"] == "Artist Display Name"
        assert report.unused_columns == ["Credit Line"], kind


def test_spreadsheet_cells_read_as_text(tmp_path: Path) -> None:
    """Numbers typed into a sheet are not "1874.0"; blank rows and trailing cells are handled."""
    rows: list[list[object]] = [
        [None], ["file", "year_from", "date"], ["a.jpg", 1874, 1874], [None, None],
        ["b.jpg", 1875.5, "x"],
    ]  # fmt: skip
    path = _xlsx(tmp_path / "n.xlsx", rows)
    table = read_spreadsheet(path)
    assert table.columns == ["file", "year_from", "date"]
    assert [(r.row, r.cells["year_from"], r.cells["date"]) for r in table.rows] == [
        (3, "1874", "1874"), (5, "1875.5", "x"),
    ]  # fmt: skip
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(CsvError, match=r"bad\.xlsx: not a readable \.xlsx"):
        read_spreadsheet(tmp_path / "bad.xlsx")


def test_a_saved_mapping_reapplies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images = _images(tmp_path / "img")
    odd = [["Bild", "Maker", "Painted", "Name"], *[[r[0], r[2], r[4], r[5]] for r in ROWS]]
    meta = write_csv(tmp_path / "odd.csv", odd)
    location = str(tmp_path / "c.sqlite")
    mapping_file = tmp_path / "tms.json"
    status = cli.main(["import", location, "--images", str(images), "--metadata", str(meta),
                       "--map", "image_file=Bild", "--map", "artist=Maker", "--map", "date=Painted",
                       "--save-mapping", str(mapping_file)])  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "column 'Maker' -> artist (given)" in out.splitlines()
    assert "column 'Name' -> title (guessed)" in out.splitlines()
    assert load_mapping_file(mapping_file)["date"] == "Painted"
    # 1. The same catalogue reuses its own mapping: no --map this time.
    odd2 = [odd[0], ["a.jpg", "Claude Monet", "1881", "Haystacks II"]]
    status = cli.main(["import", location, "--images", str(images), "--metadata",
                       str(write_csv(tmp_path / "odd2.csv", odd2))])  # fmt: skip
    out, _ = capsys.readouterr()
    assert status == 0 and "column 'Painted' -> date (saved)" in out.splitlines()
    with Catalogue.open(location, create=False) as cat:
        a = next(x for x in cat.get_assets(cat.asset_ids()) if x.image_path == "a.jpg")
        assert a.value(Field.DATE) == "1881"
    # 2. Another catalogue, through --mapping FILE.
    other = str(tmp_path / "other.sqlite")
    status = cli.main(["import", other, "--images", str(images), "--metadata", str(meta),
                       "--mapping", str(mapping_file)])  # fmt: skip
    out, _ = capsys.readouterr()
    assert status == 0 and "column 'Painted' -> date (given)" in out.splitlines()
    with Catalogue.open(other, create=False) as a_cat, Catalogue.open(location) as b_cat:
        assert _all(a_cat)["c.jpg"] == _all(b_cat)["c.jpg"]
    # A broken mapping file is one line naming it.
    (tmp_path / "bad.json").write_text(json.dumps({"painter": "Maker"}))
    status = cli.main(["import", other, "--images", str(images), "--metadata", str(meta),
                       "--mapping", str(tmp_path / "bad.json")])  # fmt: skip
    _, err = capsys.readouterr()
    assert status != 0 and "bad.json: unknown field 'painter'" in err


def test_met_style_export_reimports_without_loss(tmp_path: Path) -> None:
    images = _images(tmp_path / "img")
    rows = [[*HEADERS, "Artist ULAN URL", "Artist Wikidata URL"],
            *[[*r, "", ""] for r in ROWS]]  # fmt: skip
    rows[3][-2:] = ["http://vocab.getty.edu/page/ulan/500011051",
                    "https://www.wikidata.org/wiki/Q5598"]  # fmt: skip
    meta = write_csv(tmp_path / "m.csv", rows)
    out = tmp_path / "met.csv"
    with Catalogue.open(tmp_path / "a.sqlite") as cat:
        import_collection(cat, images, meta)
        ids = cat.asset_ids()
        cat.set_field(ids[0], Field.GENRE, "landscape", Provenance.CURATOR, reviewer="ann",
                      action=Action.EDIT)  # fmt: skip
        cat.set_field(ids[1], Field.DATE, "1875–1885", Provenance.SUGGESTION, year_from=1875,
                      year_to=1885, reviewer="bob", model_version="m-1", probability=0.8,
                      action=Action.ACCEPT)  # fmt: skip
        report = export_met(cat, out)
        before, facts_before = _all(cat), cat.all_artist_facts()
    assert report.rows == 3
    with out.open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0])[: len(MET_COLUMNS)] == list(MET_COLUMNS)
    by_file = {r["image_file"]: r for r in table}
    assert by_file["a.jpg"]["Object Date EDTF"] == "1880~"
    assert (by_file["a.jpg"]["Object Begin Date"], by_file["a.jpg"]["Object End Date"]) == (
        "1875", "1885",
    )  # fmt: skip
    suggested = by_file["b.jpg"]  # the model's range, with its stated share
    assert (suggested["Object Date EDTF"], suggested["date_probability"]) == ("1875/1885", "0.8")
    rembrandt = by_file["c.jpg"]
    assert rembrandt["Artist ULAN URL"] == "http://vocab.getty.edu/page/ulan/500011051"
    assert (rembrandt["Artist Begin Date"], rembrandt["Artist End Date"]) == ("1606", "1669")
    with Catalogue.open(tmp_path / "b.sqlite") as fresh:
        again = import_collection(fresh, images, out)
        assert (again.added, again.problems, again.unused_columns) == (3, [], [])
        # A file cannot prove a curator's confirmation (issue 16 item 15): read as imported.
        assert _all(fresh) == {
            path: {k: (v[0], Provenance.IMPORTED, *v[2:]) if isinstance(v, tuple) else v
                   for k, v in fields.items()}
            for path, fields in before.items()
        }  # fmt: skip
        assert len(again.unproven_rows) == 2
        assert fresh.all_artist_facts().keys() == facts_before.keys()
        for key, f in facts_before.items():
            g = fresh.all_artist_facts()[key]
            assert (g.life.born, g.life.died, g.ids) == (f.life.born, f.life.died, f.ids)
