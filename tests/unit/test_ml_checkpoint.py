"""Checkpoints reload exactly; pickles, foreign, corrupt and mismatched files are refused."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from heritage_desk.ml import (
    CheckpointError,
    Predictor,
    TrainConfig,
    load_checkpoint,
    save_checkpoint,
    train_head,
)
from tests.unit.test_ml_model import toy

FAST = TrainConfig(epochs=3, shared_hidden=32, meta_hidden=8, batch_size=64, num_threads=1)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    ex, x = toy(n=200)
    tm = train_head(ex, x, FAST)
    path = save_checkpoint(tm, tmp_path_factory.mktemp("ckpt") / "model.safetensors")
    return path, x


def test_reload_predicts_identically(saved: tuple[Path, np.ndarray]) -> None:
    path, x = saved
    a = Predictor.load(path)
    b = Predictor.load(path)
    pa1, _pd1 = a.probabilities(x[:20], [None] * 20)
    pa2, _pd2 = b.probabilities(x[:20], [{"style": "style 1"}] * 20)
    pa3, _ = b.probabilities(x[:20], [None] * 20)
    np.testing.assert_array_equal(pa1, pa3)
    assert not np.array_equal(pa1, pa2)  # context is used
    assert a.predict(x[0]) == b.predict(x[0])


def test_save_then_load_matches_in_memory(saved: tuple[Path, np.ndarray]) -> None:
    ex, x = toy(n=200)
    tm = train_head(ex, x, FAST)
    p = save_checkpoint(tm, saved[0].parent / "again.safetensors")
    live, loaded = Predictor(tm, "v"), Predictor.load(p, "v")
    np.testing.assert_allclose(
        live.probabilities(x, [None] * len(x))[0],
        loaded.probabilities(x, [None] * len(x))[0],
        rtol=0,
        atol=0,
    )
    meta = json.loads(p.with_suffix(".json").read_text())
    assert meta["backbone"] == "lite0" and meta["vocab"]["artists"]
    assert load_checkpoint(p).data_hash == tm.data_hash


class _Payload:
    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("use_torch_save", [False, True])
def test_pickle_is_refused_without_running_it(tmp_path: Path, use_torch_save: bool) -> None:
    marker = tmp_path / "pwned"
    bad = tmp_path / "model.safetensors"
    if use_torch_save:
        torch.save({"x": _Payload(str(marker))}, bad)
    else:
        bad.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(bad)
    assert not marker.exists()


def test_truncated_file_is_refused(saved: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    data = saved[0].read_bytes()
    for cut in (0, 5, 100, len(data) // 2, len(data) - 1):
        p = tmp_path / f"cut{cut}.safetensors"
        p.write_bytes(data[:cut])
        with pytest.raises(CheckpointError):
            load_checkpoint(p)


def test_garbage_and_missing_files(tmp_path: Path) -> None:
    p = tmp_path / "junk.safetensors"
    p.write_bytes(os.urandom(4096))
    with pytest.raises(CheckpointError):
        load_checkpoint(p)
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / "absent.safetensors")


def test_foreign_safetensors_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(3)}, str(p), metadata={"format": "pt"})
    with pytest.raises(CheckpointError, match="not a heritage_desk checkpoint"):
        load_checkpoint(p)


def _rewrite(
    src: Path,
    dst: Path,
    tensors: dict[str, torch.Tensor] | None = None,
    meta_edit: dict[str, object] | None = None,
) -> Path:
    from safetensors import safe_open

    with safe_open(str(src), "pt") as f:
        header = dict(f.metadata())
    t = load_file(str(src)) if tensors is None else tensors
    meta = json.loads(header["json"])
    meta.update(meta_edit or {})
    save_file(t, str(dst), metadata={"format": header["format"], "json": json.dumps(meta)})
    return dst


def test_wrong_shape_is_refused(saved: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    t = load_file(str(saved[0]))
    t["model.artist_head.weight"] = torch.zeros(7, t["model.artist_head.weight"].shape[1])
    with pytest.raises(CheckpointError, match="do not match"):
        load_checkpoint(_rewrite(saved[0], tmp_path / "shape.safetensors", t))


def test_missing_tensor_and_bad_metadata_are_refused(
    saved: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    t = load_file(str(saved[0]))
    del t["model.decade_head.bias"]
    with pytest.raises(CheckpointError):
        load_checkpoint(_rewrite(saved[0], tmp_path / "missing.safetensors", t))
    with pytest.raises(CheckpointError, match="format"):
        load_checkpoint(
            _rewrite(saved[0], tmp_path / "new.safetensors", meta_edit={"format_version": 99})
        )
    huge = {
        "model_config": {
            "feature_dim": 10**9,
            "n_artists": 4,
            "n_decades": 4,
            "meta_sizes": {"genre": 1, "style": 1, "medium": 1},
        }
    }
    with pytest.raises(CheckpointError):
        load_checkpoint(_rewrite(saved[0], tmp_path / "huge.safetensors", meta_edit=huge))
    t = load_file(str(saved[0]))
    t["model.artist_head.bias"][0] = float("nan")
    with pytest.raises(CheckpointError, match="NaN"):
        load_checkpoint(_rewrite(saved[0], tmp_path / "nan.safetensors", t))


def test_half_precision_checkpoint(saved: tuple[Path, np.ndarray]) -> None:
    path, x = saved
    half = save_checkpoint(load_checkpoint(path), path.parent / "half.safetensors", half=True)
    assert half.stat().st_size < path.stat().st_size
    a = Predictor.load(path).probabilities(x[:10], [None] * 10)[0]
    b = Predictor.load(half).probabilities(x[:10], [None] * 10)[0]
    np.testing.assert_allclose(a, b, atol=2e-2)
    np.testing.assert_array_equal(b, Predictor.load(half).probabilities(x[:10], [None] * 10)[0])


def test_save_is_atomic_and_leaves_no_temp(saved: tuple[Path, np.ndarray]) -> None:
    assert not [p for p in saved[0].parent.iterdir() if p.suffix == ".tmp"]


def test_header_length_starting_with_pickle_byte_still_loads(
    saved: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    """A safetensors length field can begin with 0x80, the pickle protocol byte."""
    tm = load_checkpoint(saved[0])
    p = tmp_path / "x80.safetensors"
    for k in range(300):
        tm.train_config["pad"] = "x" * k
        save_checkpoint(tm, p, sidecar=False)
        if p.read_bytes()[:1] == b"\x80":
            break
    else:
        pytest.skip("no padding gave a 0x80 first byte")
    assert load_checkpoint(p).train_config["pad"] == tm.train_config["pad"]
