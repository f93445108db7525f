"""A whole-collection embed killed with SIGKILL, or stopped with Ctrl-C, resumes (issue 14).

`heritage-desk suggest` embeds every image of a real catalogue (WikiArt paintings) into a fresh
cache in a child process; the test kills it once a few batches are cached. The next run must
embed exactly the images the killed one had not (none twice, none lost), and every entry the
killed run left must be whole and equal to a fresh embedding of its image.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from heritage_desk.ml import Embedder, EmbeddingCache
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
from tests.reliability.helpers import ROOT, child_env

N = 40


@pytest.fixture
def share(wikiart_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A catalogue of N paintings with nothing known, and its images folder."""
    images = tmp_path / "images"
    images.mkdir()
    for i, p in enumerate(sorted((wikiart_dir / "images").rglob("*.jpg"))[::300][:N]):
        shutil.copyfile(p, images / f"{i:03d}.jpg")
    cat = tmp_path / "c.sqlite"
    with Catalogue.open(cat) as c:
        assert import_collection(c, images).added == N
    return cat, images


def _suggest(cat: Path, images: Path, data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "heritage_desk", "suggest", str(cat), "--images", str(images),
         "--threads", "1"],
        cwd=ROOT, env=child_env(HERITAGE_DESK_DATA_DIR=str(data)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _entries(data: Path) -> list[Path]:
    return [p for p in (data / "cache" / "embeddings").rglob("*.npy") if "_onnx" not in p.parts]


def _wait_for_entries(proc: subprocess.Popen[str], data: Path, at_least: int) -> None:
    deadline = time.monotonic() + 600
    while len(_entries(data)) < at_least:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "no progress in 10 minutes"
        time.sleep(0.05)


def _finish(cat: Path, images: Path, data: Path) -> str:
    proc = _suggest(cat, images, data)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-3000:]
    return out


@pytest.mark.parametrize("how", ["sigkill", "ctrl-c"])
def test_a_stopped_embed_resumes_without_duplicates(
    share: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    cat, images = share
    data = tmp_path / "data"
    proc = _suggest(cat, images, data)
    _wait_for_entries(proc, data, 16)  # at least one batch of 16 cached
    if how == "sigkill":
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    else:  # the batch in flight is finished and kept, then it stops
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 130, err[-3000:]
        assert "cancelled:" in err and "run the same command again" in err
    kept = {p.name for p in _entries(data)}
    assert 16 <= len(kept) < N, f"{len(kept)} of {N} cached before the stop"
    out = _finish(cat, images, data)
    assert f"embedded: {N - len(kept)} new, {len(kept)} already" in out, out
    entries = _entries(data)
    assert len(entries) == N and kept <= {p.name for p in entries}
    # What the stopped run left is whole and right: equal to embedding those images afresh.
    with Catalogue.open(cat) as c:
        assets = c.get_assets(c.asset_ids())
    by_sum = {a.checksum: images / Path(a.image_path).name for a in assets}
    left = sorted(k.removesuffix(".npy") for k in kept)[:4]
    backbone = entries[0].parents[2].name
    cache = EmbeddingCache(data / "cache" / "embeddings")
    fresh = Embedder(backbone, num_threads=1).embed_files([by_sum[s] for s in left])
    stored = np.stack([cache.get(s, backbone) for s in left]).astype(np.float32)
    np.testing.assert_allclose(stored, fresh, atol=2e-3, rtol=2e-3)
    assert os.path.isdir(data / "cache" / "embeddings" / backbone)
