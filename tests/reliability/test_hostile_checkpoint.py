"""Odd checkpoint metadata and sidecars (issue 16 item 12): one CheckpointError line each,
never a RecursionError, AttributeError, ValueError or OverflowError traceback; an odd sidecar
leaves the model panel's data (metrics, curves) empty instead of breaking it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from heritage_desk.ml.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from tests.reliability.test_hostile import _rewrite

DEEP = "[" * 100_000 + "]" * 100_000  # json.loads: RecursionError


def _set(path: list[str], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(meta: dict[str, Any]) -> None:
        d = meta
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value

    return edit


ODD: dict[str, Callable[[dict[str, Any]], None]] = {
    "format_version 1e400": _set(["format_version"], float("inf")),
    "format_version a list": _set(["format_version"], [1]),
    "model_config a list": _set(["model_config"], [1, 2]),
    "model_config a string": _set(["model_config"], "x"),
    "vocab a number": _set(["vocab"], 7),
    "vocab artists a dict": lambda m: m["vocab"].__setitem__("artists", {"a": 1}),
    "calibration a list": _set(["calibration"], [1]),
    "temperature infinite": _set(["calibration"], {"artist_temperature": "1e400"}),
    "levels not pairs": _set(["calibration"], {"year_range_levels": [[1, 2, 3]]}),
    "levels a string": _set(["calibration"], {"year_range_levels": "xy"}),
    "deep nesting": _set(["vocab"], json.loads("[" * 500 + "]" * 500)),
}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real checkpoint (toy data, 2 epochs) to make odd copies of."""
    from heritage_desk.ml import TrainConfig, train_head
    from tests.unit.test_ml_model import toy

    ex, x = toy(n=120)
    cfg = TrainConfig(epochs=2, shared_hidden=16, meta_hidden=4, batch_size=64, num_threads=1)
    return save_checkpoint(train_head(ex, x, cfg), tmp_path_factory.mktemp("m") / "g.safetensors")


@pytest.mark.parametrize("name", list(ODD))
def test_odd_metadata_is_one_checkpoint_error(
    name: str,
    checkpoint: Path,
    tmp_path: Path,
) -> None:
    bad = _rewrite(checkpoint, tmp_path / "odd.safetensors", meta_edit=ODD[name])
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(bad)
    assert "\n" not in str(err.value) and str(bad) in str(err.value)


def test_metadata_too_deep_to_parse_is_one_checkpoint_error(
    checkpoint: Path,
    tmp_path: Path,
) -> None:
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(checkpoint), framework="pt") as f:
        header = dict(f.metadata())
        ts = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    header["json"] = DEEP
    save_file(ts, str(tmp_path / "deep.safetensors"), metadata=header)
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "deep.safetensors")


@pytest.mark.parametrize(
    "sidecar",
    ["[1, 2]", '{"metrics": [1], "train_config": [2]}', '{"metrics": {"a": "x"}}',
     '{"train_config": {"history": {"loss": [1e400]}}}', '{"train_config": {"history": 3}}',
     DEEP, "\udcff\udc80"],
)  # fmt: skip
def test_odd_sidecars_leave_the_model_panel_data_empty(tmp_path: Path, sidecar: str) -> None:
    """Was: AttributeError / RecursionError out of the model panel's report."""
    from heritage_desk.services.model_report import model_report
    from heritage_desk.services.model_store import ModelStore
    from heritage_desk.storage.catalogue import Catalogue

    ckpt = tmp_path / "m001-20260101T000000.safetensors"
    ckpt.write_bytes(b"")
    for side in (ckpt.with_suffix(".json"), ckpt.with_suffix(".curves.json")):
        side.write_bytes(sidecar.encode("utf-8", "surrogateescape"))
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        cat.add_model_version("m001-20260101T000000", str(ckpt))
        report = model_report(cat, None, "cpu", ModelStore(cat, folder=tmp_path))
    assert [v.version for v in report.versions] == ["m001-20260101T000000"]
    assert report.curves == {} or all(report.curves.values())
