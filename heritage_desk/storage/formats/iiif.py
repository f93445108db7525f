"""IIIF in: Presentation v2.1 / v3 manifests and collections, images through the Image API.

Each manifest is one work: its label becomes the title, its label/value metadata become
columns (mapped like a CSV's), and its first canvas's image is fetched through the IIIF Image
API at the size the app uses (never the full TIFF). The downloads land in a folder with a
`iiif-records.csv` beside them (manifest URI per image), and the folder is imported like any
other. Every download has a connect/read timeout, a total-time limit and a size limit; a
server that hangs or sends too much is a problem in the report, never a hang. Already-fetched
images are kept, so a second run resumes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heritage_desk.core.atomic import atomic_path
from heritage_desk.core.progress import CancelToken, Progress, ProgressCallback
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import ImportReport, import_collection

#: Long side requested from the Image API: what thumbnails, the viewer and the model read.
IMAGE_SIDE = 1024
RECORDS_CSV = "iiif-records.csv"
_ACCEPT = "application/ld+json, application/json;q=0.9, */*;q=0.1"


class IiifError(Exception):
    """One download or document that cannot be used: one line naming the URL."""


@dataclass(frozen=True)
class Limits:
    """Bounds on every download."""

    timeout_s: float = 20.0  # connect, and each read
    total_s: float = 120.0  # one whole download
    manifest_bytes: int = 20 * 2**20
    image_bytes: int = 40 * 2**20
    max_manifests: int = 10_000
    max_depth: int = 4  # collections of collections


@dataclass
class IiifReport:
    """What an IIIF import did: manifests read, images fetched or kept, problems, the import."""

    manifests: int = 0
    fetched: int = 0
    kept: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    imported: ImportReport | None = None

    def lines(self) -> list[str]:
        out = [
            f"manifests read: {self.manifests}",
            f"images fetched: {self.fetched}",
            f"images already here (resumed): {self.kept}",
            f"download problems: {len(self.problems)}",
        ]
        out += [f"problem: {w}: {r}" for w, r in self.problems]
        return out + (self.imported.lines() if self.imported is not None else [])


def fetch(url: str, max_bytes: int, limits: Limits) -> bytes:
    """The body at an http(s) URL, within the time and size limits; IiifError otherwise."""
    if not url.lower().startswith(("http://", "https://")):
        raise IiifError(f"{url}: only http and https URLs are fetched")
    request = urllib.request.Request(url, headers={"Accept": _ACCEPT,
                                                   "User-Agent": "heritage_desk"})  # fmt: skip
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=limits.timeout_s) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise IiifError(f"{url}: {int(length):,} bytes announced, over the limit "
                                f"of {max_bytes:,}; not downloaded")  # fmt: skip
            chunks, total = [], 0
            while chunk := response.read(1 << 16):
                total += len(chunk)
                if total > max_bytes:
                    raise IiifError(f"{url}: over the limit of {max_bytes:,} bytes; stopped")
                if time.monotonic() - start > limits.total_s:
                    raise IiifError(f"{url}: slower than {limits.total_s:g} s in all; stopped")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        raise IiifError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise IiifError(f"{url}: no answer within {limits.timeout_s:g} s") from None
        raise IiifError(f"{url}: {reason}") from None
    except TimeoutError:
        raise IiifError(f"{url}: no answer within {limits.timeout_s:g} s") from None
    except (OSError, ValueError) as exc:
        raise IiifError(f"{url}: {exc}") from None


def _text(value: Any) -> str:
    """A IIIF label or value as text: a string, a v3 language map, a v2 list of {@value}."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        if "@value" in value:
            return _text(value["@value"])
        for lang in ("en", "none", *value):
            if lang in value:
                return _text(value[lang])
        return ""
    if isinstance(value, list):
        return "; ".join(t for t in (_text(v) for v in value) if t)
    return str(value)


def _id(obj: Mapping[str, Any]) -> str:
    return str(obj.get("id") or obj.get("@id") or "")


def _kind(doc: Mapping[str, Any]) -> str:
    """ "manifest", "collection" or "" (v2 "sc:Manifest", v3 "Manifest")."""
    kind = str(doc.get("type") or doc.get("@type") or "").lower()
    return kind.removeprefix("sc:")


def _image_url(manifest: Mapping[str, Any]) -> str | None:
    """The first canvas's image at IMAGE_SIDE through the Image API, else its plain URL."""
    canvases: list[Any] = []
    for sequence in manifest.get("sequences") or []:  # v2.1
        canvases += sequence.get("canvases") or []
    canvases += manifest.get("items") or []  # v3
    for canvas in canvases:
        bodies: list[Any] = [img.get("resource") for img in canvas.get("images") or []]
        for page in canvas.get("items") or []:
            bodies += [anno.get("body") for anno in page.get("items") or []]
        for body in bodies:
            if not isinstance(body, Mapping):
                continue
            services = body.get("service") or []
            services = [services] if isinstance(services, Mapping) else services
            for service in services:
                if isinstance(service, Mapping) and _id(service):
                    base = _id(service).rstrip("/")
                    return f"{base}/full/!{IMAGE_SIDE},{IMAGE_SIDE}/0/default.jpg"
            if _id(body):
                return _id(body)
    return None


def _record(uri: str, manifest: Mapping[str, Any]) -> dict[str, str]:
    """A manifest as one metadata row: its label/value pairs, title and source URI."""
    row = {"Title": _text(manifest.get("label")), "iiif_manifest": uri}
    for pair in manifest.get("metadata") or []:
        label, value = _text(pair.get("label")), _text(pair.get("value"))
        if label and value and label not in row:
            row[label] = value
    return row


def _manifests(url: str, limits: Limits, report: IiifReport,
               depth: int = 0) -> list[tuple[str, dict[str, Any]]]:  # fmt: skip
    """(URI, manifest) of a manifest or of every manifest a collection reaches."""
    try:
        doc = json.loads(fetch(url, limits.manifest_bytes, limits))
    except IiifError as exc:
        report.problems.append((url, str(exc).removeprefix(f"{url}: ")))
        return []
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        report.problems.append((url, f"not a JSON document ({exc})"))
        return []
    if not isinstance(doc, dict):
        report.problems.append((url, "not a IIIF manifest or collection"))
        return []
    kind = _kind(doc)
    if kind == "manifest":
        return [(_id(doc) or url, doc)]
    if kind != "collection" or depth >= limits.max_depth:
        report.problems.append((url, f"not a IIIF manifest or collection (type {kind!r})"))
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    members = [*(doc.get("manifests") or []), *(doc.get("collections") or []),
               *(doc.get("items") or [])]  # fmt: skip
    for member in members:
        if len(out) >= limits.max_manifests:
            report.problems.append((url, f"more than {limits.max_manifests} manifests; rest left"))
            break
        if isinstance(member, Mapping) and _id(member):
            out += _manifests(_id(member), limits, report, depth + 1)
    return out


def import_iiif(catalogue: Catalogue, url: str, into: str | Path, *,
                limits: Limits | None = None, progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None) -> IiifReport:  # fmt: skip
    """Fetch a manifest or collection's images into `into`, then import the folder."""
    limits = limits or Limits()
    folder = Path(into).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    report = IiifReport()
    manifests = _manifests(url, limits, report)
    report.manifests = len(manifests)
    rows: list[dict[str, str]] = []
    for i, (uri, manifest) in enumerate(manifests, start=1):
        if cancel is not None and cancel.cancelled:
            break
        image = _image_url(manifest)
        if image is None:
            report.problems.append((uri, "no image on its canvases"))
            continue
        name = "iiif_" + hashlib.sha256(uri.encode("utf-8")).hexdigest()[:16] + ".jpg"
        target = folder / name
        if target.exists():
            report.kept += 1  # fetched by an earlier run: resume
        else:
            try:
                data = fetch(image, limits.image_bytes, limits)
            except IiifError as exc:
                report.problems.append((uri, str(exc)))
                continue
            with atomic_path(target) as tmp:  # a killed run leaves no half image
                tmp.write_bytes(data)
            report.fetched += 1
        rows.append({"image_file": name, **_record(uri, manifest)})
        if progress is not None:
            progress(Progress(i, len(manifests), uri))
    _write_records(folder / RECORDS_CSV, rows)
    if rows:
        report.imported = import_collection(catalogue, folder, folder / RECORDS_CSV,
                                            progress=progress, cancel=cancel)  # fmt: skip
    return report


def _write_records(path: Path, rows: list[dict[str, str]]) -> None:
    """The records CSV beside the images: one row per image, the union of the labels."""
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns or ["image_file"])
        writer.writeheader()
        writer.writerows(rows)
