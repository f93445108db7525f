"""Simple Dublin Core (OAI-DC) XML export, one `oai_dc:dc` record per asset.

For Omeka S (CSV / OAI-PMH harvests map dc:* one to one) and CollectiveAccess's OAI-DC
mapping. The records sit in one `<records>` root, as an OAI-PMH ListRecords answer would hold
them; each is the schema's plain `oai_dc:dc` element.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from heritage_desk.core.artist_facts import ArtistFacts
from heritage_desk.core.atomic import atomic_write
from heritage_desk.core.model import Asset, Field
from heritage_desk.core.progress import CancelToken, ProgressCallback
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import ExportReport, each_asset
from heritage_desk.storage.formats.met import artist_of, date_edtf

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
ET.register_namespace("oai_dc", OAI_DC)
ET.register_namespace("dc", DC)


def dc_record(asset: Asset, facts: ArtistFacts | None) -> ET.Element:
    """One oai_dc:dc element: title, creator (+ authority URLs as relations), dates, format..."""
    root = ET.Element(f"{{{OAI_DC}}}dc")

    def add(tag: str, text: str | None) -> None:
        if text:
            ET.SubElement(root, f"{{{DC}}}{tag}").text = text

    f = asset.fields
    add("title", f[Field.TITLE].value if Field.TITLE in f else None)
    add("creator", f[Field.ARTIST].value if Field.ARTIST in f else None)
    if Field.DATE in f:
        add("date", f[Field.DATE].value)  # as written
        edtf = date_edtf(f[Field.DATE])
        if edtf != f[Field.DATE].value:
            add("date", edtf)  # and machine-readable (EDTF)
    add("type", "painting")
    add("type", "PhysicalObject")  # DCMI Type vocabulary
    add("format", f[Field.MEDIUM].value if Field.MEDIUM in f else None)
    add("subject", f[Field.GENRE].value if Field.GENRE in f else None)
    add("coverage", f[Field.STYLE].value if Field.STYLE in f else None)
    add("identifier", asset.inventory_number)
    add("identifier", asset.image_path)
    for url in facts.ids.urls().values() if facts is not None else ():
        add("relation", url)
    return root


def export_dublin_core(catalogue: Catalogue, out_path: str | Path, *,
                       progress: ProgressCallback | None = None,
                       cancel: CancelToken | None = None) -> ExportReport:  # fmt: skip
    """Write every asset as an OAI-DC record, streamed, atomically."""
    out = Path(out_path).expanduser()
    facts = catalogue.all_artist_facts()
    done = 0
    with atomic_write(out, encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write(f'<records xmlns:oai_dc="{OAI_DC}" xmlns:dc="{DC}">\n')
        for asset in each_asset(catalogue, "exporting Dublin Core", progress, cancel):
            record = dc_record(asset, artist_of(asset, facts))
            ET.indent(record, "  ", level=1)
            text = ET.tostring(record, encoding="unicode")
            text = text.replace(f' xmlns:oai_dc="{OAI_DC}"', "", 1)
            fh.write("  " + text.replace(f' xmlns:dc="{DC}"', "", 1) + "\n")
            done += 1
        fh.write("</records>\n")
    return ExportReport(out, done, 0)
