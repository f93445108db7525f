"""Issue 16's Low list: a 16-bit scan's thumbnail, a foreign temp file beside the catalogue,
`info | head -1`, HEIC and JFIF folders."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from heritage_desk.services.check import CheckOptions, check_catalogue
from heritage_desk.services.thumbnails import render
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
from tests.fixtures import broken
from tests.reliability.helpers import ROOT, child_env


def test_a_16_bit_greyscale_thumbnail_is_not_white(tmp_path: Path) -> None:
    """A 16-bit ramp (0..65535): was 99.6% white (values over 255 clipped)."""
    ramp = Image.new("I;16", (256, 64))
    ramp.putdata([x * 257 for _ in range(64) for x in range(256)])
    ramp.save(tmp_path / "scan.png")
    thumb = render(tmp_path / "scan.png", 128).convert("L")
    values = list(thumb.getdata())
    white = sum(v >= 250 for v in values) / len(values)
    assert white < 0.1, f"{white:.1%} white"
    assert min(values) < 10 and max(values) > 240  # the whole range, dark to light


def test_check_removes_only_our_own_temp_names(tmp_path: Path) -> None:
    """A `.x.docx.1a2b3c4d.tmp` of a word processor beside the catalogue was deleted."""
    cat_path = tmp_path / "c.sqlite"
    Catalogue.open(cat_path).close()
    foreign = tmp_path / ".x.docx.1a2b3c4d.tmp"
    foreign.write_text("someone's unsaved letter")
    ours = [tmp_path / ".c.sqlite.ab12CD34.tmp", tmp_path / ".export.csv.zz99yy88.tmp"]
    old = time.time() - 3600
    for p in (foreign, *ours):
        p.write_text("x")
        os.utime(p, (old, old))
    with Catalogue.open(cat_path) as cat:
        report = check_catalogue(cat, CheckOptions(export_dirs=[tmp_path]))
    assert foreign.exists(), "\n".join(report.lines())
    assert not any(p.exists() for p in ours), "\n".join(report.lines())


def test_info_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    """`heritage-desk info c.sqlite | head -1`: was a BrokenPipeError traceback."""
    Catalogue.open(tmp_path / "c.sqlite").close()
    cmd = f"{sys.executable} -m heritage_desk info {tmp_path / 'c.sqlite'} | head -c 1"
    for _ in range(3):  # the pipe closes at a different moment each time
        res = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], cwd=ROOT,
                             env=child_env(), capture_output=True, text=True,
                             timeout=120)  # fmt: skip
        assert "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr, res.stderr


def test_jfif_is_imported_and_heic_gets_a_hint(tmp_path: Path) -> None:
    """A folder of .jfif and .heic files said "images found: 0" and nothing else."""
    images = tmp_path / "img"
    jpeg = broken.good_jpeg(tmp_path / "a.jpg").read_bytes()
    images.mkdir()
    (images / "scan.jfif").write_bytes(jpeg)
    (images / "phone.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic")
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, images)
    assert report.added == 1, report.lines()
    text = "\n".join(report.lines())
    assert "phone.HEIC" in text and "HEIC" in text and "convert" in text, text
