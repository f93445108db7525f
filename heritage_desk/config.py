"""Where heritage_desk keeps its files: platformdirs folders, overridable by --data-dir."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "heritage_desk"
APP_AUTHOR = "heritage_desk"
#: Overrides every folder below with one root (tests, portable installs).
DATA_DIR_ENV = "HERITAGE_DESK_DATA_DIR"

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def resources_dir() -> Path:
    """The resources/ folder: next to the package in a checkout, bundled by the installer."""
    env = os.environ.get("HERITAGE_DESK_RESOURCES")
    if env:
        return Path(env)
    for candidate in (PROJECT_DIR / "resources", PACKAGE_DIR / "resources"):
        if candidate.is_dir():
            return candidate
    return PROJECT_DIR / "resources"


@dataclass(frozen=True)
class Paths:
    """The folders of one user (or of one --data-dir)."""

    data: Path
    cache: Path
    logs: Path

    @property
    def default_catalogue(self) -> Path:
        return self.data / "catalogue.sqlite"

    @property
    def models(self) -> Path:
        return self.data / "models"

    @property
    def embeddings(self) -> Path:
        return self.cache / "embeddings"

    @property
    def thumbnails(self) -> Path:
        return self.cache / "thumbnails"

    def ensure(self) -> Paths:
        for p in (self.data, self.cache, self.logs, self.models):
            p.mkdir(parents=True, exist_ok=True)
        return self


def paths(data_dir: str | Path | None = None) -> Paths:
    """Folders from `data_dir`, then $HERITAGE_DESK_DATA_DIR, then platformdirs."""
    root = data_dir or os.environ.get(DATA_DIR_ENV)
    if root:
        r = Path(root).expanduser().resolve()
        return Paths(data=r, cache=r / "cache", logs=r / "logs")
    return Paths(
        data=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
        cache=Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)),
    )
