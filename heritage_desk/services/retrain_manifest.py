"""The retrain manifest: the confirmed labels the parent hands the child (standard library only).

Both processes import it; it must stay free of storage and torch, so the child starts fast.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from heritage_desk.core.atomic import atomic_write

#: Bumped when the manifest's shape changes incompatibly.
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ManifestItem:
    """One confirmed asset: its embedding key, labels and known context."""

    checksum: str
    artist: str | None
    year: int | None
    genre: str | None = None
    style: str | None = None
    medium: str | None = None
    title: str | None = None
    group: str = ""  # artwork key: copies of one painting share it
    holdout: bool = False
    files: list[str] = field(default_factory=list)  # cached embedding per view, under cache_dir
    #: The artist's working window from the life dates its line states (core.lifespan).
    window: list[int] | None = None
    #: How far `artist` is the painter's own hand (core.names.evidence_weight).
    weight: float = 1.0


@dataclass
class Manifest:
    """Everything the child needs; written by the parent, read by the child."""

    version: str  # the model version being trained
    backbone: str
    views: list[str]
    cache_dir: str
    items: list[ManifestItem]
    starter: str | None = None  # checkpoint whose exemplars keep the starter's artists
    baseline: str | None = None  # checkpoint of the active model, validated on the same items
    baseline_version: str | None = None
    num_threads: int = 1
    seed: int = 0
    epochs: int | None = None
    refit_all: bool = False  # after validation, train once more on every item (slower)
    warm_start: bool = True  # fine-tune the active model (a few epochs) instead of a fresh one
    format_version: int = MANIFEST_VERSION
    train_options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The manifest as one JSON object."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; refuse a newer format, ignore fields this version does not know."""
        d = json.loads(text)
        if int(d.get("format_version", 0)) > MANIFEST_VERSION:
            raise ValueError(f"manifest format {d['format_version']} is newer than this app")
        d["items"] = [ManifestItem(**i) for i in d["items"]]
        if not isinstance(d.get("views"), list):
            raise ValueError("manifest has no list of views")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})

    def write(self, path: str | Path) -> Path:
        """Write atomically (temp file, fsync, rename)."""
        path = Path(path)
        with atomic_write(path) as f:
            f.write(self.to_json())
        return path

    @classmethod
    def read(cls, path: str | Path) -> Manifest:
        """Read a manifest written by `write`."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
