"""The model store: one models folder per catalogue, the one retrains write to and checks sweep.

Real catalogues (SQLite files, the real PostgreSQL server), real files, the real CLI. The
store is content-agnostic, so most checkpoints here are bytes; the CLI test names a model
whose file is gone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from heritage_desk import config
from heritage_desk.cli import main as cli_main
from heritage_desk.services.desk import Desk
from heritage_desk.services.image_paths import ImageResolver
from heritage_desk.services.model_store import ModelStore, ModelUnavailableError, models_folder
from heritage_desk.services.retrain import RetrainService
from heritage_desk.services.suggestions import SuggestionService
from heritage_desk.storage.catalogue import Catalogue
from tests.reliability.helpers import ROOT, child_env

OLD = time.time() - 3600


def _old_temp(folder: Path, name: str = ".m009-20260101T000000.safetensors.abcd1234.tmp") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(b"half a checkpoint")
    os.utime(p, (OLD, OLD))
    return p


def test_gui_check_sweeps_the_folder_retrains_write_to(tmp_path: Path) -> None:
    """File > Check catalogue used data/models; retrains write beside the catalogue file."""
    paths = config.paths(tmp_path / "data")
    cat_path = tmp_path / "museum" / "c.sqlite"
    with Catalogue.open(cat_path) as cat:
        services = Desk(cat, paths, ImageResolver(cat), with_model=True)
        retrain_folder = services._retrain_service().models_dir  # where a retrain writes
        assert retrain_folder == cat_path.with_name("c.sqlite.models")
        leftover = _old_temp(retrain_folder)
        decoy = _old_temp(paths.models)  # the data folder's models/: no retrain writes there
        _, lines = services.check_catalogue()
    assert not leftover.exists(), lines
    assert any(str(leftover) in ln and "removed" in ln for ln in lines), lines
    assert decoy.exists()


@pytest.mark.postgres
def test_postgres_models_folder_follows_data_dir_for_retrain_gui_and_cli_check(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--data-dir was ignored for PostgreSQL models: they went to the ambient data folder."""
    data = tmp_path / "curator-a"
    paths = config.paths(data)
    with Catalogue.open(postgres_url) as cat:
        svc = SuggestionService(cat, cache_dir=paths.embeddings, paths=paths)
        folder = RetrainService(cat, svc).models_dir
        assert folder == models_folder(cat, paths)
        assert data in folder.parents
        services = Desk(cat, paths, ImageResolver(cat), with_model=True)
        assert services._retrain_service().models_dir == folder
        leftover = _old_temp(folder)
        _, lines = services.check_catalogue()
        assert not leftover.exists(), lines
    leftover = _old_temp(folder)
    assert cli_main(["--data-dir", str(data), "check", postgres_url, "--quick"]) == 0
    out = capsys.readouterr().out
    assert not leftover.exists(), out
    assert "removed" in out


def _fake_checkpoint(folder: Path, version: str, payload: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{version}.safetensors"
    p.write_bytes(payload)
    p.with_suffix(".json").write_text('{"metrics": {"artist_top1": 0.5}}', encoding="utf-8")
    return p


@pytest.mark.postgres
def test_postgres_checkpoint_lives_in_the_catalogue_and_is_cached_by_hash(
    postgres_url: str, tmp_path: Path
) -> None:
    payload = os.urandom(200_000)
    with Catalogue.open(postgres_url) as cat:
        a = ModelStore(cat, config.paths(tmp_path / "a"))
        ckpt = _fake_checkpoint(a.folder, "m001-20260101T000000", payload)
        v = a.register(
            "m001-20260101T000000", ckpt, active=True, note="activated", curves={"loss": [2.0, 1.0]}
        )
        assert v.sha256 is not None and v.path == ckpt.name  # no machine's path in the row
        assert a.local_file(v).name == f"{v.sha256}.safetensors"  # A's copy, now by hash
        for p in a.folder.rglob("*"):
            if p.is_file():
                p.unlink()  # A's folder gone: another machine must not need it
        b = ModelStore(cat, config.paths(tmp_path / "b"))
        got = b.local_file(v)
        assert tmp_path / "b" in got.parents and got.read_bytes() == payload
        assert b.curves(v) == {"loss": (2.0, 1.0)}
        assert b.sidecar(v) == {"metrics": {"artist_top1": 0.5}}
        got.write_bytes(payload[:-1] + b"\0")  # a damaged cache entry is fetched again
        assert b.local_file(v).read_bytes() == payload
    # The catalogue's own copy damaged: refused with one line, never loaded.
    import sqlalchemy as sa

    eng = sa.create_engine(postgres_url)
    with eng.begin() as conn:
        conn.execute(sa.text("UPDATE model_files SET checkpoint = :b"), {"b": b"not it"})
    eng.dispose()
    with Catalogue.open(postgres_url) as cat:
        c = ModelStore(cat, config.paths(tmp_path / "c"))
        with pytest.raises(ModelUnavailableError, match="does not match its sha256"):
            c.local_file(cat.model_versions()[0])


def test_sqlite_checkpoint_beside_the_file_is_hash_checked(tmp_path: Path) -> None:
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        store = ModelStore(cat)
        ckpt = _fake_checkpoint(store.folder, "m001-20260101T000000", b"weights" * 1000)
        v = store.register("m001-20260101T000000", ckpt, active=True)
        assert store.local_file(v) == ckpt
        assert cat.model_files(v.version) is None  # SQLite keeps the file beside, not inside
        ckpt.write_bytes(b"weightz" * 1000)  # same size, other content
        with pytest.raises(ModelUnavailableError, match="sha256 differs") as info:
            store.local_file(v)
        assert "\n" not in str(info.value)


def test_cli_suggest_with_an_unloadable_active_model_is_one_line_and_exit_1(
    tmp_path: Path,
) -> None:
    """Today the CLI warned and suggested with the starter; now: one line, exit 1, nothing."""
    cat_path = tmp_path / "c.sqlite"
    with Catalogue.open(cat_path) as cat:
        cat.add_asset("a.jpg", "0" * 64)
        cat.add_model_version("m001-gone", str(tmp_path / "gone.safetensors"), active=True)
    proc = subprocess.run(
        [sys.executable, "-m", "heritage_desk", "--data-dir", str(tmp_path / "d"), "suggest",
         str(cat_path)],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "m001-gone cannot be loaded" in lines[0] and "gone.safetensors" in lines[0]
    assert "starter" not in proc.stdout
    with Catalogue.open(cat_path) as cat:
        assert cat.stats()["pending_suggestions"] == 0
