"""Issue 16's Low list: a 16-bit scan's thumbnail, a foreign temp file beside the catalogue,
`info | head -1`, HEIC and JFIF folders."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

from PIL import Image

from heritage_desk.core.model import Field
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


def test_a_1_mb_csv_cell_is_blamed_on_its_own_column(tmp_path: Path) -> None:
    """A 1 MB title (over the csv module's 128 KB field limit) on one line, and a 1 MB medium
    spread over 100,000 quoted lines: was blamed on the last column ("bad quoting"), and the
    multi-line one gave 100,000 problems. Each is one problem naming its row and column; the
    rest of each row is imported."""
    images = tmp_path / "img"
    for name in ("a", "b", "c", "d"):
        broken.good_jpeg(images / f"{name}.jpg")
    csv_path = broken.write_csv(
        tmp_path / "meta.csv",
        [
            ["image_file", "title", "artist", "medium"],
            ["a.jpg", "Short", "Anna Anker", "oil"],
            ["b.jpg", "x" * 1_000_000, "Bea Berg", "oil"],
            ["c.jpg", "Long medium", "Cai Carl", "line\n" * 100_000],
            ["d.jpg", "After", "Dag Dahl", "tempera"],
        ],
    )
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, images, csv_path)
        assets = {a.image_path: a for a in cat.get_assets(cat.asset_ids())}
    text = "\n".join(report.lines())
    problems = list(report.problems)
    n = len(problems)
    assert n == 2, text[:3000]
    (w1, r1), (w2, r2) = problems
    assert w1 == "meta.csv row 3, column 'title'", text[:3000]
    assert "1,000,000 characters" in r1 and "131,072" in r1, r1
    assert w2 == "meta.csv row 4, column 'medium'", text[:3000]  # the row starts on line 4
    assert "500,000 characters" in r2, r2
    artists = {p: a.value(Field.ARTIST) for p, a in assets.items()}
    assert artists == {"a.jpg": "Anna Anker", "b.jpg": "Bea Berg", "c.jpg": "Cai Carl",
                       "d.jpg": "Dag Dahl"}  # fmt: skip
    assert assets["b.jpg"].value(Field.TITLE) is None  # the cell left out, never cut short
    assert assets["c.jpg"].value(Field.TITLE) == "Long medium"
    assert assets["d.jpg"].value(Field.MEDIUM) == "tempera"  # the row after it read normally


def _run_python(code: str, *args: object) -> subprocess.CompletedProcess[str]:
    """Run `code` with `args` as sys.argv[1:] in a child (a hang ends in TimeoutExpired: the
    child is killed, not the test run)."""
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT,
                          env=child_env(), capture_output=True, text=True,
                          timeout=240)  # fmt: skip


_THUMBNAIL = """
import sys
from heritage_desk.services.thumbnails import ThumbnailCache, ThumbnailError
try:
    ThumbnailCache(sys.argv[1]).get_bytes(sys.argv[2], None)
except ThumbnailError as exc:
    print("refused:", exc)
"""
_WINDOW_PASS = """
import sys
from pathlib import Path
from heritage_desk import config
from heritage_desk.core.progress import CancelToken
from heritage_desk.services.desk import Desk
from heritage_desk.services.image_paths import ImageResolver
from heritage_desk.services.inference_engine import InferenceEngine
from heritage_desk.storage.catalogue import Catalogue
cat = Catalogue.open(sys.argv[1])
desk = Desk(cat, config.paths(sys.argv[2]), ImageResolver(cat, [Path(sys.argv[3])]))
batch = desk.suggestion_batch(cat.asset_ids())
out = InferenceEngine("cpu", 1).predict(batch, CancelToken())
print("suggested for", sorted(out.suggestions))
"""


def test_a_fifo_in_place_of_an_image_never_hangs(tmp_path: Path) -> None:
    """An imported image replaced by a named pipe, and a FIFO `spare.jpg` beside the images
    (a missing image makes `check` look for it by content). Reading a FIFO blocks until
    someone writes into it: `suggest` hung for ever. Each reader refuses it in one line."""
    images = tmp_path / "img"
    for i in range(4):
        broken.good_jpeg(images / f"{i}.jpg", (120, 90))
    cat_path = tmp_path / "c.sqlite"
    with Catalogue.open(cat_path) as cat:
        assert import_collection(cat, images).added == 4
    (images / "1.jpg").unlink()
    os.mkfifo(images / "1.jpg")
    os.mkfifo(images / "spare.jpg")
    (images / "3.jpg").unlink()  # missing: check hashes candidates to find it by content
    data = tmp_path / "data"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "heritage_desk", "--data-dir", str(data), *args],
            cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    res = cli("suggest", str(cat_path), "--images", str(images), "--threads", "1")
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    fifo_lines = [ln for ln in res.stderr.splitlines() if "1.jpg" in ln]
    assert len(fifo_lines) == 1 and "named pipe" in fifo_lines[0], res.stderr[-3000:]
    assert "embedded: 2 new" in res.stdout, res.stdout
    res = cli("import", str(cat_path), "--images", str(images))
    assert res.returncode == 0, res.stderr[-3000:]
    for name in ("1.jpg", "spare.jpg"):
        assert f"problem: {name}: a named pipe (FIFO)" in res.stdout, res.stdout
    res = cli("check", str(cat_path), "--images", str(images))
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    assert "1.jpg" in res.stdout and "named pipe" in res.stdout, res.stdout
    # The window's thumbnails and its background suggestions (the inference thread).
    res = _run_python(_THUMBNAIL, tmp_path / "thumbs", images / "1.jpg")
    assert res.returncode == 0 and "refused:" in res.stdout and "named pipe" in res.stdout, res
    res = _run_python(_WINDOW_PASS, cat_path, data, images)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "suggested for [1, 3]" in res.stdout, res.stdout  # 0.jpg and 2.jpg: the FIFO skipped


# -- beyond the list: what a museum share also holds --------------------------------


def test_a_mac_made_folder_joins_its_spreadsheet_csv(tmp_path: Path) -> None:
    """A folder written on a Mac names `Café.jpg` decomposed (NFD: e + U+0301), the CSV from
    Excel composed (NFC), and the other way round: the rows were "not found in the images
    folder" and their artists lost."""
    images = tmp_path / "img"
    broken.good_jpeg(images / unicodedata.normalize("NFD", "Café.jpg"))
    broken.good_jpeg(images / (unicodedata.normalize("NFC", "Zoë") + ".jpg"))
    broken.good_jpeg(images / "Über" / unicodedata.normalize("NFD", "Straße.jpg"))
    csv_path = broken.write_csv(tmp_path / "meta.csv", [
        ["image_file", "artist"],
        [unicodedata.normalize("NFC", "Café.jpg"), "Claude Monet"],
        [unicodedata.normalize("NFD", "Zoë.jpg"), "Zoë Zorn"],
        [unicodedata.normalize("NFD", "über/STRASSE.jpg"), "Sebastian Strauss"],
    ])  # fmt: skip
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, images, csv_path)
        artists = {
            unicodedata.normalize("NFC", a.image_path): a.value(Field.ARTIST)
            for a in cat.get_assets(cat.asset_ids())
        }
    assert report.problems == [], report.lines()
    assert artists == {"Café.jpg": "Claude Monet", "Zoë.jpg": "Zoë Zorn",
                       "Über/Straße.jpg": "Sebastian Strauss"}  # fmt: skip


def test_a_file_name_with_a_newline_stays_on_one_report_line(tmp_path: Path) -> None:
    """`scan<LF>2.jpg` (legal on Linux and macOS shares): the import, `check` and `suggest`
    reports split it over two lines, so a script reading "problem: ..." lines misread both."""
    images = tmp_path / "img"
    broken.good_jpeg(images / "good.jpg")
    broken.good_jpeg(images / "scan\n1.jpg")
    broken.corrupt(images / "scan\n2.jpg")
    broken.good_jpeg(images / "line\u2028sep.jpg")
    cat_path = tmp_path / "c.sqlite"
    with Catalogue.open(cat_path) as cat:
        report = import_collection(cat, images)
    assert report.added == 3, report.lines()
    lines = report.lines()
    assert any(ln.startswith("problem: scan\\n2.jpg: ") for ln in lines), lines
    assert all("\n" not in ln and "\u2028" not in ln for ln in lines), lines
    (images / "scan\n1.jpg").unlink()
    (images / "line\u2028sep.jpg").unlink()
    res = subprocess.run(
        [sys.executable, "-m", "heritage_desk", "check", str(cat_path), "--images", str(images)],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    out = res.stdout.splitlines()
    assert (
        "problem: missing image: scan\\n1.jpg: asset #3: file not found under " + str(images) in out
    ), res.stdout
    assert any(ln.startswith("problem: missing image: line\\u2028sep.jpg") for ln in out), out
    known = ("catalogue:", "assets:", "images checked:", "problems:", "repaired:", "problem:",
             "note:", "repaired:", "result:")  # fmt: skip
    assert all(ln.startswith(known) for ln in out), res.stdout
