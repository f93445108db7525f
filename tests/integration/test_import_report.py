"""The import report names the mapping it used and every column it left unused (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from heritage_desk import cli
from heritage_desk.core.model import Field
from heritage_desk.storage.catalogue import Catalogue
from tests.fixtures import broken
from tests.fixtures.broken import write_csv


def _collection(tmp_path: Path) -> tuple[Path, Path]:
    img = tmp_path / "img"
    for i in range(3):
        broken.good_jpeg(img / f"{i}.jpg")
    meta = write_csv(tmp_path / "m.csv", [
        ["File", "Artist", "Painted", "Date Made", "Notes"],
        ["0.jpg", "Claude Monet", "1874", "c. 1874", "x"],
        ["1.jpg", "Berthe Morisot", "1875", "1875", ""],
        ["2.jpg", "Edgar Degas", "1876", "c. 1876", ""],
    ])  # fmt: skip
    return img, meta


def test_cli_import_lists_the_mapping_and_every_unused_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    img, meta = _collection(tmp_path)
    location = str(tmp_path / "c.sqlite")
    status = cli.main(["import", location, "--images", str(img), "--metadata", str(meta)])
    out, err = capsys.readouterr()
    assert status == 0, err
    lines = out.splitlines()
    # The mapping used, target by target...
    assert "column 'File' -> image_file (guessed)" in lines
    assert "column 'Artist' -> artist (guessed)" in lines
    assert "column 'Date Made' -> date (guessed)" in lines  # a common header, now guessed
    # ...and every column nothing read, with the --map that would read it.
    unused = [ln for ln in lines if ln.startswith("unused column: ")]
    assert unused == [
        "unused column: 'Painted' (not imported)",
        "unused column: 'Notes' (not imported)",
    ]
    with Catalogue.open(location, create=False) as cat:
        dated = [a for a in cat.get_assets(cat.asset_ids()) if Field.DATE in a.fields]
    assert len(dated) == 3  # was 0 of 3: 'Date Made' was silently ignored


def test_an_unused_column_gets_the_map_that_would_read_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    img, meta = _collection(tmp_path)
    location = str(tmp_path / "c.sqlite")
    status = cli.main(["import", location, "--images", str(img), "--metadata", str(meta),
                       "--map", "date=Painted"])  # fmt: skip
    out, _ = capsys.readouterr()
    assert status == 0
    lines = out.splitlines()
    assert "column 'Painted' -> date (given)" in lines
    assert "unused column: 'Date Made' (not imported)" in lines  # date is taken: no advice
    write_csv(meta, [["File", "Artist", "Year Made"], ["0.jpg", "Claude Monet", "1874"]])
    cli.main(["import", location, "--images", str(img), "--metadata", str(meta)])
    out, _ = capsys.readouterr()
    assert (
        "unused column: 'Year Made' (not imported; to read it as date: --map date='Year Made')"
        in out.splitlines()
    )
