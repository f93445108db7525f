"""IIIF Presentation v2.1 / v3 import from a real HTTP server on 127.0.0.1 (fixtures written
here): metadata and images come in; a hanging or oversized image server is reported."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from PIL import Image

from heritage_desk import cli
from heritage_desk.core.model import Field
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.formats.iiif import IMAGE_SIDE, Limits, import_iiif

RELEASE = threading.Event()  # set at teardown: a hanging handler returns at once


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), colour).save(buf, "JPEG")
    return buf.getvalue()


def _v2(base: str, name: str, label: str, artist: str, date: str) -> dict[str, object]:
    return {
        "@context": "http://iiif.io/api/presentation/2/context.json",
        "@id": f"{base}/{name}.json", "@type": "sc:Manifest", "label": label,
        "metadata": [
            {"label": "Artist", "value": artist}, {"label": "Date", "value": date},
            {"label": "Medium", "value": [{"@value": "Oil on canvas", "@language": "en"}]},
        ],
        "sequences": [{"@type": "sc:Sequence", "canvases": [{
            "@id": f"{base}/{name}/canvas/1", "@type": "sc:Canvas", "width": 80, "height": 60,
            "images": [{"@type": "oa:Annotation", "motivation": "sc:painting", "resource": {
                "@id": f"{base}/iiif/{name}/full/full/0/default.jpg", "@type": "dctypes:Image",
                "service": {"@context": "http://iiif.io/api/image/2/context.json",
                            "@id": f"{base}/iiif/{name}", "profile": "level1"}}}],
        }]}],
    }  # fmt: skip


def _v3(base: str, name: str, label: str, artist: str, date: str) -> dict[str, object]:
    return {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{base}/{name}.json", "type": "Manifest", "label": {"en": [label]},
        "metadata": [{"label": {"en": ["Artist"]}, "value": {"none": [artist]}},
                     {"label": {"en": ["Date"]}, "value": {"en": [date]}}],
        "items": [{"id": f"{base}/{name}/canvas/1", "type": "Canvas", "width": 80, "height": 60,
                   "items": [{"id": f"{base}/{name}/page/1", "type": "AnnotationPage", "items": [{
                       "id": f"{base}/{name}/anno/1", "type": "Annotation",
                       "motivation": "painting", "target": f"{base}/{name}/canvas/1",
                       "body": {"id": f"{base}/iiif/{name}/full/max/0/default.jpg",
                                "type": "Image", "format": "image/jpeg",
                                "service": [{"id": f"{base}/iiif/{name}", "type": "ImageService3",
                                             "profile": "level1"}]}}]}]}],
    }  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    """Manifests from `docs`; /iiif/<name>/full/!S,S/0/default.jpg; /iiif/slow, /iiif/huge."""

    docs: ClassVar[dict[str, bytes]] = {}
    seen: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        if self.path in self.docs:
            return self._send(self.docs[self.path], "application/ld+json")
        parts = self.path.strip("/").split("/")
        if parts[:1] in (["v2"], ["v3"]):  # image services live under each manifest's folder
            parts = parts[1:]
        if parts[0] != "iiif" or len(parts) != 6:
            self.send_error(404)
            return
        name = parts[1]
        if name.startswith("slow"):
            RELEASE.wait(60)  # never answers within the client's timeout
            return
        if name == "huge-announced":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(500 * 2**20))
            self.end_headers()
            return
        if name == "huge":  # 500 MB, no length announced: the client must stop reading
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()
            block = b"\xff" * 2**20
            try:
                for _ in range(500):
                    if RELEASE.is_set():
                        return
                    self.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        digest = hashlib.sha256(name.encode()).digest()  # one colour per image: no duplicates
        self._send(_jpeg((digest[0], digest[1], digest[2])), "image/jpeg")

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    RELEASE.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_port}"
    docs = {
        "/v2/monet.json": _v2(
            base + "/v2", "monet", "Haystacks", "Claude Monet (French, 1840–1926)", "c. 1890"
        ),
        "/v2/morisot.json": _v2(base + "/v2", "morisot", "The Cradle", "Berthe Morisot", "1872"),
        "/v3/degas.json": _v3(base + "/v3", "degas", "Dancers", "Edgar Degas", "1874/76"),
        "/v2/slow.json": _v2(base + "/v2", "slow", "Slow", "X", "1900"),
        "/v2/huge.json": _v2(base + "/v2", "huge", "Huge", "Y", "1900"),
        "/v3/huge-announced.json": _v3(base + "/v3", "huge-announced", "Announced", "Z", "1900"),
    }  # fmt: skip
    docs["/collection.json"] = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{base}/collection.json", "type": "Collection", "label": {"en": ["Demo"]},
        "items": [{"id": f"{base}/v2/monet.json", "type": "Manifest"},
                  {"id": f"{base}/v2/morisot.json", "type": "Manifest"},
                  {"id": f"{base}/v3/degas.json", "type": "Manifest"}],
    }  # fmt: skip
    docs["/bad.json"] = {
        "@context": "http://iiif.io/api/presentation/2/context.json", "@type": "sc:Collection",
        "manifests": [{"@id": f"{base}/v2/slow.json"}, {"@id": f"{base}/v2/huge.json"},
                      {"@id": f"{base}/v3/huge-announced.json"}, {"@id": f"{base}/v2/gone.json"},
                      {"@id": f"{base}/v2/monet.json"}],
    }  # fmt: skip
    _Handler.docs = {k: json.dumps(v).encode() for k, v in docs.items()}
    _Handler.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    RELEASE.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.timeout(120)
def test_v21_and_v3_manifests_import_with_metadata_and_images(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    location = str(tmp_path / "c.sqlite")
    status = cli.main(["import-iiif", location, f"{server}/collection.json",
                       "--into", str(tmp_path / "iiif")])  # fmt: skip
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "manifests read: 3" in out and "images fetched: 3" in out and "added: 3" in out, out
    # Images asked through the Image API at the app's size, never full size.
    images = [p for p in _Handler.seen if "/iiif/" in p]
    assert len(images) == 3 and all(
        f"/full/!{IMAGE_SIDE},{IMAGE_SIDE}/0/default.jpg" in p for p in images
    )
    with Catalogue.open(location, create=False) as cat:
        by_title = {a.value(Field.TITLE): a for a in cat.get_assets(cat.asset_ids())}
        assert set(by_title) == {"Haystacks", "The Cradle", "Dancers"}
        monet = by_title["Haystacks"]
        assert (monet.value(Field.ARTIST), monet.value(Field.MEDIUM)) == (
            "Claude Monet (French, 1840–1926)", "Oil on canvas",
        )  # fmt: skip
        d = monet.fields[Field.DATE]
        assert (d.value, d.year_from, d.year_to) == ("c. 1890", 1885, 1895)
        assert by_title["Dancers"].fields[Field.DATE].year_from == 1874  # the v3 manifest
        assert cat.artist_life_dates("Claude Monet") is not None
    records = (tmp_path / "iiif" / "iiif-records.csv").read_text(encoding="utf-8")
    assert f"{server}/v3/degas.json" in records  # each image keeps its manifest URI
    # A second run resumes: nothing fetched again, nothing added twice.
    _Handler.seen.clear()
    status = cli.main(["import-iiif", location, f"{server}/collection.json",
                       "--into", str(tmp_path / "iiif")])  # fmt: skip
    out, _ = capsys.readouterr()
    assert status == 0 and "images already here (resumed): 3" in out and "added: 0" in out
    assert not [p for p in _Handler.seen if "/iiif/" in p]


@pytest.mark.timeout(120)
def test_a_hanging_or_oversized_image_server_is_reported_not_hung_on(
    server: str, tmp_path: Path
) -> None:
    limits = Limits(timeout_s=1.0, total_s=20.0)  # defaults: 20 s, 40 MB
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_iiif(cat, f"{server}/bad.json", tmp_path / "iiif", limits=limits)
    problems = dict(report.problems)
    assert "no answer within 1 s" in problems[f"{server}/v2/slow.json"]
    assert "over the limit of 41,943,040 bytes; stopped" in problems[f"{server}/v2/huge.json"]
    assert "524,288,000 bytes announced" in problems[f"{server}/v3/huge-announced.json"]
    assert "HTTP 404" in problems[f"{server}/v2/gone.json"]
    assert report.fetched == 1 and report.imported is not None and report.imported.added == 1
    assert not list((tmp_path / "iiif").glob("*.tmp"))  # nothing half-written left
    assert len(list((tmp_path / "iiif").glob("*.jpg"))) == 1  # only the good image
