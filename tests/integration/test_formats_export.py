"""LIDO 1.1 and Dublin Core exports of the demo catalogue, validated against the official XSD."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from heritage_desk import cli
from heritage_desk.core.model import Action, Field, Provenance
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
from tests.conftest import SHARED

etree = pytest.importorskip("lxml.etree", reason="lxml (dev extra) validates the LIDO export")
LIDO_XSD = SHARED / "schemas" / "lido" / "lido-v1.1.xsd"
L = "{http://www.lido-schema.org}"


@pytest.fixture(scope="module")
def schema() -> object:
    if not LIDO_XSD.exists():
        pytest.skip(f"LIDO schema not found at {LIDO_XSD}")
    return etree.XMLSchema(etree.parse(str(LIDO_XSD)))


@pytest.fixture
def demo(tmp_path: Path, aic_demo_dir: Path) -> Iterator[Path]:
    """The demo catalogue with a curator edit and an accepted suggestion in its history."""
    location = tmp_path / "demo.sqlite"
    with Catalogue.open(location) as cat:
        import_collection(cat, aic_demo_dir / "images", aic_demo_dir / "labels.csv")
        ids = cat.asset_ids()
        cat.set_field(ids[0], Field.GENRE, "landscape", Provenance.CURATOR, reviewer="ann",
                      action=Action.EDIT)  # fmt: skip
        cat.set_field(ids[1], Field.DATE, "1875–1885", Provenance.SUGGESTION, year_from=1875,
                      year_to=1885, reviewer="bob", model_version="m-1", probability=0.8,
                      action=Action.ACCEPT)  # fmt: skip
    yield location


def _export(location: Path, verb: str, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main([verb, str(location), "--out", str(out)])
    text, err = capsys.readouterr()
    assert status == 0, err
    assert "exported 135 assets" in text


def test_lido_export_of_the_demo_validates(demo: Path, schema: object, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out = tmp_path / "demo.lido.xml"
    _export(demo, "export-lido", out, capsys)
    doc = etree.parse(str(out))
    assert schema.validate(doc), schema.error_log  # type: ignore[attr-defined]
    records = doc.findall(f"{L}lido")
    assert len(records) == 135
    text = out.read_text(encoding="utf-8")
    # Creator with role, attribution qualifier and life dates; display date with its range.
    qualifiers = {e.text for e in doc.iter(f"{L}attributionQualifierActor")}
    assert {"attributed to", "after", "follower of", "workshop of"} <= qualifiers
    name = f"{L}nameActorSet/{L}appellationValue"
    monet = next(a for a in doc.iter(f"{L}actor") if a.findtext(name) == "Claude Monet")
    assert monet.findtext(f"{L}vitalDatesActor/{L}earliestDate") == "1840"
    assert monet.findtext(f"{L}vitalDatesActor/{L}latestDate") == "1926"
    dates = {
        d.findtext(f"{L}displayDate"): (d.findtext(f"{L}date/{L}earliestDate"),
                                        d.findtext(f"{L}date/{L}latestDate"))
        for d in doc.iter(f"{L}eventDate")
    }  # fmt: skip
    assert dates["c. 1740"] == ("1735", "1745")
    assert dates["1858/59"] == ("1858", "1859")
    assert dates["17th century"] == ("1600", "1699")
    # The decision history is in the record info.
    stamps = [e.get(f"{L}source") for e in doc.iter(f"{L}recordMetadataDate")]
    assert "edit genre by ann" in stamps
    assert "accept date by bob (model m-1, p=0.80)" in stamps
    assert str(demo.parent) not in text  # the catalogue's folder stays on this machine


def test_lido_validation_fails_when_an_element_is_out_of_order(
    demo: Path, schema: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check is real: swapping two elements of one record makes the export invalid."""
    out = tmp_path / "demo.lido.xml"
    _export(demo, "export-lido", out, capsys)
    doc = etree.parse(str(out))
    desc = doc.find(f"{L}lido/{L}descriptiveMetadata")
    classification, identification = desc[0], desc[1]
    assert (classification.tag, identification.tag) == (
        f"{L}objectClassificationWrap", f"{L}objectIdentificationWrap",
    )  # fmt: skip
    desc.remove(identification)
    desc.insert(0, identification)  # objectIdentificationWrap before objectClassificationWrap
    assert not schema.validate(doc)  # type: ignore[attr-defined]
    assert "objectIdentificationWrap" in str(schema.error_log)  # type: ignore[attr-defined]


def test_dublin_core_export(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo.dc.xml"
    _export(demo, "export-dc", out, capsys)
    doc = etree.parse(str(out))
    dc = "{http://purl.org/dc/elements/1.1/}"
    records = doc.findall("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc")
    assert len(records) == 135
    by_title = {r.findtext(f"{dc}title"): r for r in records}
    r = next(r for r in records if [d.text for d in r.findall(f"{dc}date")][:1] == ["c. 1740"])
    assert [d.text for d in r.findall(f"{dc}date")] == ["c. 1740", "1740~"]  # as written + EDTF
    assert all(
        r.findtext(f"{dc}creator") for r in by_title.values() if r.find(f"{dc}creator") is not None
    )
    assert {t.text for t in records[0].findall(f"{dc}type")} == {"painting", "PhysicalObject"}


def test_export_verbs_refuse_the_catalogue_and_existing_files(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["export-lido", str(demo), "--out", str(demo)]) == 1
    assert "is the catalogue (demo.sqlite): refusing" in capsys.readouterr().err
    taken = tmp_path / "taken.xml"
    taken.write_text("keep me")
    assert cli.main(["export-dc", str(demo), "--out", str(taken)]) == 1
    err = capsys.readouterr().err
    assert "exists and is not empty" in err and "pass --force" in err
    assert taken.read_text() == "keep me"
    assert cli.main(["export-dc", str(demo), "--out", str(taken), "--force"]) == 0


def test_export_verbs_never_write_into_the_models_folder(
    demo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The format verbs use the one output guard of export and suggest (had their own)."""
    models = demo.with_name(demo.name + ".models")
    models.mkdir()
    for verb in ("export-lido", "export-met"):
        assert cli.main([verb, str(demo), "--out", str(models / "out.xml")]) == 1
        assert "inside the catalogue's folder" in capsys.readouterr().err
    assert list(models.iterdir()) == []
