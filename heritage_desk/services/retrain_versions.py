"""Model versions on disk and in the catalogue: where files live, when a new one is activated.

The activation policy: a retrained model becomes active only when it is not worse than the
active one on the same held-out items (compare); rolling back goes to the version that was
activated before the current one.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from heritage_desk import config
from heritage_desk.core.model import ModelVersion
from heritage_desk.services.model_report import checkpoint_created
from heritage_desk.services.suggestion_model import starter_version
from heritage_desk.storage.catalogue import Catalogue

#: The held-out metrics a new model must not be worse at than the active one.
COMPARED = ("artist_top1", "decade_acc")
#: A retrain's checkpoint and its sidecars ("m004-20260101T120000.safetensors", ".json",
#: ".curves.json"); group 1 is the version name (next_version_name).
_CHECKPOINT = re.compile(r"^(m\d{3,}-\d{8}T\d{6})\.(safetensors|json|curves\.json)$")
#: An unregistered checkpoint younger than this is left alone (it may be about to register).
CHECKPOINT_MIN_AGE_S = 300.0


def models_dir_for(catalogue: Catalogue, paths: config.Paths | None = None) -> Path:
    """Where a catalogue's models live: beside a SQLite file, else under the data folder."""
    db = catalogue.url.database if catalogue.is_sqlite else None
    if db and db != ":memory:":
        p = Path(db)
        return p.with_name(p.name + ".models")
    key = catalogue.url.render_as_string(hide_password=True).encode()
    return (paths or config.paths()).models / hashlib.sha256(key).hexdigest()[:12]


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


def next_version_name(catalogue: Catalogue) -> str:
    """A name for the next version: its number and the time ("m004-20260101T120000")."""
    n = len(catalogue.model_versions()) + 1
    return f"m{n:03d}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"


def compare(
    new: dict[str, float],
    base: dict[str, float] | None,
    tolerance: float,
    year_tolerance: float = 0.02,
) -> str | None:
    """None when `new` is not worse than `base` on the held-out items, else the reason.

    Artist top-1 may not drop by more than `tolerance`; decade accuracy, a coarser and
    noisier signal, by more than `year_tolerance`.
    """
    if base is None:
        return None
    worse = []
    for k, tol in zip(COMPARED, (tolerance, year_tolerance), strict=True):
        if k in new and k in base and new[k] < base[k] - tol:
            worse.append(f"{k.replace('_', ' ')} {new[k]:.3f} < {base[k]:.3f}")
    return ("worse than the active model on held-out items: " + ", ".join(worse)) if worse else None


def summary(new: dict[str, float], base: dict[str, float]) -> str:
    """The compared held-out metrics side by side, for a version's note."""
    parts = [
        f"{k.replace('_', ' ')} {new[k]:.3f} vs {base[k]:.3f}"
        for k in COMPARED
        if k in new and k in base
    ]
    return ("held-out " + ", ".join(parts)) if parts else "no held-out items to compare on"


def ensure_starter_registered(catalogue: Catalogue, starter: Path | None) -> None:
    """Record the starter as a version once, so that rolling back to it is one action."""
    if starter is None:
        return
    name = starter_version(starter)
    versions = catalogue.model_versions()
    if any(v.version == name for v in versions):
        return
    first = not any(v.active for v in versions)
    catalogue.add_model_version(
        name,
        str(starter),
        note="activated: the starter model shipped with the app",
        active=first,
        created_at=checkpoint_created(starter) or datetime.now(UTC),
    )


def rollback_target(versions: list[ModelVersion]) -> ModelVersion | None:
    """The version activated before the active one whose file still exists (None: no active).

    Raises ValueError when there is an active version but nothing earlier to go back to.
    """
    active = next((v for v in versions if v.active), None)
    if active is None:
        return None
    older = [
        v
        for v in versions
        if v.created_at < active.created_at
        and v.note.startswith("activated")
        and Path(v.path).exists()
    ]
    if not older:
        raise ValueError(f"no earlier model to roll back to from {active.version}")
    return older[0]
