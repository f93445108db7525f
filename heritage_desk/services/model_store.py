"""The models folder and its files, one owner: where checkpoints live, how they are written,
read back and verified, for SQLite and for PostgreSQL catalogues.

Where a version's files live (the README's team section says it for curators):
- SQLite: beside the catalogue file, in `<catalogue>.models/` (as before). A SQLite catalogue
  is one curator's file; the folder travels with it, and keeping 5-10 MB checkpoints out of
  the file keeps the file small, its WAL light and the backup before each migration quick.
- PostgreSQL: in the catalogue itself (table model_files), written in the transaction that
  adds the version row, so every machine loads the version the catalogue names. The local
  folder `<data>/models/<catalogue key>/` (honouring --data-dir) holds the retrain child's
  output and a cache of fetched checkpoints named by their sha256; deleting it loses nothing.
Both: the row records the checkpoint's sha256 and every load checks it, so a changed or
truncated file is refused with one line, never used. The store does not look inside a
checkpoint: bytes in, bytes out (ml/ owns the format).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from heritage_desk import config
from heritage_desk.core.atomic import atomic_path, atomic_write
from heritage_desk.core.digest import file_sha256_memoised
from heritage_desk.core.model import ModelFiles, ModelUnavailableError, ModelVersion
from heritage_desk.storage.catalogue import Catalogue

log = logging.getLogger(__name__)

__all__ = ["ModelStore", "ModelUnavailableError", "models_folder"]

CHECKPOINT_SUFFIX = ".safetensors"
SIDECAR_SUFFIX = ".json"
CURVES_SUFFIX = ".curves.json"
#: Subfolder of a shared catalogue's local folder: checkpoints fetched from the catalogue.
CACHE = "by-hash"
STARTER_PREFIX = "starter-"
#: A retrain's checkpoint and its sidecars ("m004-20260101T120000.safetensors", ".json",
#: ".curves.json"); group 1 is the version name (retrain_versions.next_version_name).
_CHECKPOINT = re.compile(r"^(m\d{3,}-\d{8}T\d{6})\.(safetensors|json|curves\.json)$")
#: An unregistered checkpoint younger than this is left alone (it may be about to register).
CHECKPOINT_MIN_AGE_S = 300.0


def models_folder(catalogue: Catalogue, paths: config.Paths | None = None) -> Path:
    """A catalogue's models folder: beside a SQLite file, else under the given data folder."""
    db = catalogue.url.database if catalogue.is_sqlite else None
    if db and db != ":memory:":
        p = Path(db)
        return p.with_name(p.name + ".models")
    key = catalogue.url.render_as_string(hide_password=True).encode()
    return (paths or config.paths()).models / hashlib.sha256(key).hexdigest()[:12]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
        return None
    return data if isinstance(data, dict) else None


def clean_temp_files(folder: Path) -> list[Path]:
    """Remove what an interrupted retrain or save left behind (*.tmp); returns what went."""
    removed = []
    if folder.is_dir():
        for p in folder.iterdir():
            if p.name.endswith(".tmp") and p.is_file():
                with contextlib.suppress(OSError):
                    p.unlink()
                    removed.append(p)
    return removed


def clean_unregistered_checkpoints(
    folder: Path, catalogue: Catalogue, min_age_s: float = CHECKPOINT_MIN_AGE_S
) -> list[Path]:
    """Remove checkpoints (and sidecars) no model version refers to, older than `min_age_s`.

    They are what a retrain left when the app died between the child's `done` and the
    registration. Only files named like a retrain's output are candidates, so the starter and
    anything else in the folder stay; a file is kept when a version row has its name or its
    path (a moved catalogue's rows may hold old absolute paths). Call it only while holding
    the retrain lock, so that no retrain in another process is between save and register.
    """
    if not folder.is_dir():
        return []
    versions = catalogue.model_versions()
    names = {v.version for v in versions}
    names |= {Path(v.path).name.split(".", 1)[0] for v in versions}  # stem w/o ".curves.json"
    paths = set()
    for v in versions:
        with contextlib.suppress(OSError):
            paths.add(Path(v.path).resolve())
    removed = []
    now = time.time()
    for p in sorted(folder.iterdir()):
        m = _CHECKPOINT.match(p.name)
        if m is None or m.group(1) in names or p.is_symlink() or not p.is_file():
            continue
        try:
            if p.resolve() in paths or now - p.stat().st_mtime < min_age_s:
                continue
            p.unlink()
        except OSError:
            continue
        removed.append(p)
    return removed


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


class ModelStore:
    """The files of one catalogue's model versions: register, resolve, verify, curves, clean."""

    def __init__(
        self,
        catalogue: Catalogue,
        paths: config.Paths | None = None,
        *,
        folder: Path | None = None,
        starter: Path | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.folder = folder if folder is not None else models_folder(catalogue, paths)
        self.starter = starter
        #: True when the catalogue itself keeps the bytes (PostgreSQL).
        self.in_catalogue = not catalogue.is_sqlite

    def ensure(self) -> Path:
        """Create the folder (a retrain writes its checkpoint there); returns it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def checkpoint_path(self, version: str) -> Path:
        """Where a retrain writes the checkpoint of `version` (before it is registered)."""
        return self.folder / f"{version}{CHECKPOINT_SUFFIX}"

    # -- writing ------------------------------------------------------------------------------

    def register(
        self,
        version: str,
        checkpoint: Path,
        *,
        metrics: Mapping[str, float] | None = None,
        note: str = "",
        active: bool = False,
        curves: Mapping[str, list[float]] | None = None,
    ) -> ModelVersion:
        """Record `checkpoint` as `version` with its hash (and its bytes, for a shared one)."""
        sha = file_sha256_memoised(checkpoint)
        curves_text = json.dumps(dict(curves)) if curves else None
        if curves_text is not None:
            with atomic_write(checkpoint.with_suffix(CURVES_SUFFIX)) as f:
                f.write(curves_text)
        if not self.in_catalogue:
            return self.catalogue.add_model_version(
                version, str(checkpoint), metrics=metrics, note=note, active=active, sha256=sha
            )
        side = checkpoint.with_suffix(SIDECAR_SUFFIX)
        sidecar = side.read_text(encoding="utf-8") if side.is_file() else None
        files = ModelFiles(checkpoint.read_bytes(), sidecar, curves_text)
        if hashlib.sha256(files.checkpoint).hexdigest() != sha:
            raise ModelUnavailableError(version, f"{checkpoint} changed while being registered")
        row = self.catalogue.add_model_version(
            version, checkpoint.name, metrics=metrics, note=note, active=active,
            sha256=sha, files=files,
        )  # fmt: skip
        self._move_to_cache(checkpoint, sha)
        return row

    def write_curves(self, version: str, curves: Mapping[str, list[float]]) -> None:
        """A registered version's training curves: beside its file and, shared, in the catalogue."""
        text = json.dumps(dict(curves))
        v = self._version(version)
        if v is None:
            return
        if self.in_catalogue:
            self.catalogue.set_model_curves(version, text)
        try:
            target = self.local_file(v).with_suffix(CURVES_SUFFIX)
            with atomic_write(target) as f:
                f.write(text)
        except (ModelUnavailableError, OSError) as exc:
            log.info("curves of %s not written beside its file: %s", version, exc)

    def _cached(self, sha: str) -> Path:
        return self.folder / CACHE / f"{sha}{CHECKPOINT_SUFFIX}"

    def _move_to_cache(self, checkpoint: Path, sha: str) -> None:
        """A registered shared checkpoint becomes this machine's cached copy (named by hash)."""
        target = self._cached(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in (CHECKPOINT_SUFFIX, SIDECAR_SUFFIX, CURVES_SUFFIX):
            with contextlib.suppress(OSError):
                os.replace(checkpoint.with_suffix(suffix), target.with_suffix(suffix))

    # -- reading ------------------------------------------------------------------------------

    def _version(self, version: str) -> ModelVersion | None:
        return next((v for v in self.catalogue.model_versions() if v.version == version), None)

    def local_file(self, v: ModelVersion) -> Path:
        """A verified local checkpoint of `v`; ModelUnavailableError (one line) when none."""
        if v.version.startswith(STARTER_PREFIX) and self.starter is not None:
            from heritage_desk.services.suggestion_model import starter_version

            if self.starter.is_file() and starter_version(self.starter) == v.version:
                return self.starter  # the starter ships with the app: each machine has its own
        if v.sha256 is None:
            return self._legacy_file(v)
        candidates = [self._cached(v.sha256)] if self.in_catalogue else []
        candidates += self._recorded(v)
        for p in candidates:
            if not p.is_file():
                continue
            try:
                if file_sha256_memoised(p) == v.sha256:
                    return p
            except OSError:
                continue
            if not self.in_catalogue:
                raise ModelUnavailableError(
                    v.version, f"{p} has changed since it was trained (sha256 differs)"
                )
            log.warning("cached model %s differs from the catalogue's: fetching again", p)
        if not self.in_catalogue:
            raise ModelUnavailableError(v.version, f"its file {v.path} is missing")
        return self._fetch(v)

    def _recorded(self, v: ModelVersion) -> list[Path]:
        """Where the row says the file is, and the same name in this folder (a moved folder)."""
        p = Path(v.path)
        out = [p] if p.is_absolute() else []
        out.append(self.folder / p.name)
        return out

    def _legacy_file(self, v: ModelVersion) -> Path:
        """A row recorded before hashes: its file as recorded, unverified (as before 0006)."""
        for p in self._recorded(v):
            if p.is_file():
                return p
        raise ModelUnavailableError(v.version, f"its file {v.path} is missing")

    def _fetch(self, v: ModelVersion) -> Path:
        """Copy `v`'s bytes from the catalogue into the local cache, checked against its hash."""
        assert v.sha256 is not None
        files = self.catalogue.model_files(v.version)
        if files is None:
            raise ModelUnavailableError(v.version, "the catalogue holds no file for it")
        if hashlib.sha256(files.checkpoint).hexdigest() != v.sha256:
            raise ModelUnavailableError(
                v.version, "the file the catalogue holds does not match its sha256"
            )
        target = self._cached(v.sha256)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(target) as tmp:
                tmp.write_bytes(files.checkpoint)
            for suffix, text in ((SIDECAR_SUFFIX, files.sidecar), (CURVES_SUFFIX, files.curves)):
                if text is not None:
                    with atomic_write(target.with_suffix(suffix)) as f:
                        f.write(text)
        except OSError as exc:
            raise ModelUnavailableError(
                v.version, f"cannot write the local copy {target}: {exc.strerror or exc}"
            ) from None
        log.info("model %s fetched from the catalogue into %s", v.version, target)
        return target

    def available(self, v: ModelVersion) -> bool:
        """True when `v` can be loaded here (verified local file or fetched from the catalogue)."""
        try:
            self.local_file(v)
        except ModelUnavailableError:
            return False
        return True

    def sidecar(self, v: ModelVersion) -> dict[str, Any] | None:
        """The checkpoint's JSON sidecar (metrics, history), or None."""
        try:
            p = self.local_file(v)
        except ModelUnavailableError:
            return None
        return _read_json(p.with_suffix(SIDECAR_SUFFIX))

    def curves(self, v: ModelVersion) -> dict[str, tuple[float, ...]]:
        """Training curves of `v`: the sidecar's history, else the ones the app recorded."""
        try:
            p = self.local_file(v)
        except ModelUnavailableError:
            return {}
        for side in (p.with_suffix(SIDECAR_SUFFIX), p.with_suffix(CURVES_SUFFIX)):
            data = _read_json(side)
            if data is None:
                continue
            train = data.get("train_config")
            hist = (
                (train.get("history") if isinstance(train, dict) else None)
                if "train_config" in data
                else data
            )
            if isinstance(hist, dict):
                series = {
                    str(k): tuple(float(x) for x in val)
                    for k, val in hist.items()
                    if isinstance(val, list) and val and all(_number(x) for x in val)
                }
                if series:
                    return series
        return {}
