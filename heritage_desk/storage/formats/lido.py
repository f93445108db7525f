"""LIDO 1.1 XML export of the completed records (valid against the official lido-v1.1.xsd).

One `lido:lido` per asset: work type, title, inventory number, genre / style as
classifications, the creation event (creator with role, attribution qualifier, life dates and
authority ids; display date with earliest/latest; materials), the record source, and the
decision history as `recordMetadataDate`s (LIDO has no richer slot for a review trail).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

from heritage_desk.core.artist_facts import ArtistFacts
from heritage_desk.core.atomic import atomic_write
from heritage_desk.core.model import Asset, Decision, Field, FieldValue
from heritage_desk.core.names import parse_artist
from heritage_desk.core.progress import CancelToken, ProgressCallback
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import ExportReport, each_asset
from heritage_desk.storage.formats.met import artist_of

NS = "http://www.lido-schema.org"
XML_NS = "http://www.w3.org/XML/1998/namespace"
SCHEMA_LOCATION = "http://www.lido-schema.org http://lido-schema.org/schema/v1.1/lido-v1.1.xsd"
#: Work type of every record: the app catalogues paintings (AAT 300033618).
WORK_TYPE = ("painting", "http://vocab.getty.edu/aat/300033618")
CREATION = ("creation", "http://terminology.lido-schema.org/lido00012")
ET.register_namespace("lido", NS)
ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A lido: child; attributes are lido: ones (`type`, `source`, `pref`)."""
    e = ET.SubElement(parent, _q(tag), {_q(k): v for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def _term(parent: ET.Element, tag: str, term: str, uri: str | None = None) -> ET.Element:
    """A concept element: optional conceptID (URI), then its term."""
    e = _el(parent, tag)
    if uri:
        _el(e, "conceptID", uri, type="URI")
    _el(e, "term", term)
    return e


def _actor(parent: ET.Element, artist: FieldValue, facts: ArtistFacts | None) -> None:
    """eventActor: display text, then the actor with ids, name and life dates, role, qualifier."""
    ref = parse_artist(artist.value)
    event_actor = _el(parent, "eventActor")
    _el(event_actor, "displayActorInRole", artist.value)
    if not ref.is_person:
        return  # "Netherlandish", "Unknown": no actor to name (a culture goes in lido:culture)
    in_role = _el(event_actor, "actorInRole")
    actor = _el(in_role, "actor", type="person")
    if facts is not None:
        for kind, url in facts.ids.urls().items():
            _el(actor, "actorID", url, type="URI", source=kind.upper())
    name = _el(actor, "nameActorSet")
    _el(name, "appellationValue", ref.name or artist.value, pref="preferred")
    life = facts.life if facts is not None else None
    if life is not None and not life.is_empty:
        vital = _el(actor, "vitalDatesActor")
        if life.earliest is not None:
            _el(vital, "earliestDate", str(life.earliest))
        if life.latest is not None:
            _el(vital, "latestDate", str(life.latest))
    _term(in_role, "roleActor", "painter", "http://vocab.getty.edu/aat/300025136")
    if ref.qualifier:
        _el(in_role, "attributionQualifierActor", ref.qualifier)


def _event(parent: ET.Element, asset: Asset, facts: ArtistFacts | None) -> None:
    """The creation event: type, actor, date, materials."""
    f = asset.fields
    event = _el(_el(_el(parent, "eventWrap"), "eventSet"), "event")
    _term(event, "eventType", *CREATION)
    if (artist := f.get(Field.ARTIST)) is not None:
        _actor(event, artist, facts)
        ref = parse_artist(artist.value)
        if ref.anonymous and ref.name:
            _el(_el(event, "culture"), "term", ref.name)
    if (date := f.get(Field.DATE)) is not None:
        event_date = _el(event, "eventDate")
        _el(event_date, "displayDate", date.value)
        if date.year_from is not None:
            span = _el(event_date, "date")
            _el(span, "earliestDate", str(date.year_from))
            to = date.year_to if date.year_to is not None else date.year_from
            _el(span, "latestDate", str(to))
    if (medium := f.get(Field.MEDIUM)) is not None:
        _el(_el(event, "eventMaterialsTech"), "displayMaterialsTech", medium.value)


def _history(record_wrap: ET.Element, decisions: list[Decision]) -> None:
    """The decision trail: one recordMetadataDate per decision (what, who, which model)."""
    if not decisions:
        return
    info = _el(record_wrap, "recordInfoSet")
    for d in decisions:
        what = f"{d.action.value} {d.field.value} by {d.reviewer}"
        if d.model_version:
            what += f" (model {d.model_version}"
            what += f", p={d.probability:.2f})" if d.probability is not None else ")"
        _el(info, "recordMetadataDate", d.at.astimezone(UTC).isoformat(), type="modified",
            source=what)  # fmt: skip


def lido_record(asset: Asset, facts: ArtistFacts | None, decisions: list[Decision],
                source: str) -> ET.Element:  # fmt: skip
    """One lido:lido element for an asset."""
    lido = ET.Element(_q("lido"))
    rec_id = f"heritage_desk:asset:{asset.id}"
    _el(lido, "lidoRecID", rec_id, type="local", source=source)
    desc = _el(lido, "descriptiveMetadata")
    desc.set(f"{{{XML_NS}}}lang", "en")
    classification = _el(desc, "objectClassificationWrap")
    _term(_el(classification, "objectWorkTypeWrap"), "objectWorkType", *WORK_TYPE)
    kinds = [(f, asset.fields.get(f)) for f in (Field.GENRE, Field.STYLE)]
    if any(v is not None for _, v in kinds):
        wrap = _el(classification, "classificationWrap")
        for f, v in kinds:
            if v is not None:
                c = _el(wrap, "classification", type=f.value)
                _el(c, "term", v.value)
    ident = _el(desc, "objectIdentificationWrap")
    title = asset.fields.get(Field.TITLE)
    title_set = _el(_el(ident, "titleWrap"), "titleSet")
    _el(title_set, "appellationValue", title.value if title is not None else "[untitled]")
    if asset.inventory_number:
        repo = _el(_el(ident, "repositoryWrap"), "repositorySet")
        _el(repo, "workID", asset.inventory_number, type="inventory number")
    _event(desc, asset, facts)
    admin = _el(lido, "administrativeMetadata")
    admin.set(f"{{{XML_NS}}}lang", "en")
    record = _el(admin, "recordWrap")
    _el(record, "recordID", rec_id, type="local", source=source)
    _term(record, "recordType", "item", "http://terminology.lido-schema.org/lido00141")
    legal = _el(_el(record, "recordSource"), "legalBodyName")
    _el(legal, "appellationValue", source)
    _history(record, decisions)
    resource = _el(_el(admin, "resourceWrap"), "resourceSet")
    _el(_el(resource, "resourceRepresentation", type="image_master"), "linkResource",
        asset.image_path)  # fmt: skip
    return lido


def _records(catalogue: Catalogue, source: str, progress: ProgressCallback | None,
             cancel: CancelToken | None) -> Iterator[ET.Element]:  # fmt: skip
    """The lido elements of every asset, a page at a time."""
    facts = catalogue.all_artist_facts()
    for asset in each_asset(catalogue, "exporting LIDO", progress, cancel):
        yield lido_record(asset, artist_of(asset, facts), catalogue.history(asset.id), source)


def export_lido(catalogue: Catalogue, out_path: str | Path, *, source: str | None = None,
                progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> ExportReport:  # fmt: skip
    """Write the catalogue as one lido:lidoWrap document, atomically; one record per asset."""
    out = Path(out_path).expanduser()
    # The catalogue's name, not its path: an export leaves the machine.
    name = source or Path(catalogue.location).stem or "heritage_desk"
    rows = 0
    with atomic_write(out, encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write(f'<lido:lidoWrap xmlns:lido="{NS}" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 f'xsi:schemaLocation="{SCHEMA_LOCATION}">\n')  # fmt: skip
        # Streamed record by record: a 100,000-asset catalogue never sits in memory as a tree.
        for record in _records(catalogue, name, progress, cancel):
            ET.indent(record, "  ", level=1)
            fh.write("  " + _without_ns_decl(ET.tostring(record, encoding="unicode")) + "\n")
            rows += 1
        fh.write("</lido:lidoWrap>\n")
    return ExportReport(out, rows, 0)


def _without_ns_decl(text: str) -> str:
    """A record's XML without the namespace declaration ElementTree repeats on each root."""
    return text.replace(f' xmlns:lido="{NS}"', "", 1)
