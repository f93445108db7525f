"""Model versions on disk and in the catalogue: where files live, when a new one is activated.

The activation policy: a retrained model becomes active only when it is not worse than the
active one on the same held-out items (compare); rolling back goes to the version that was
activated before the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from heritage_desk.core.model import ModelVersion
from heritage_desk.core.model_figures import COMPARED, COUNTED_BY, comparison
from heritage_desk.services.model_report import checkpoint_created
from heritage_desk.services.model_store import (
    CHECKPOINT_MIN_AGE_S,
    clean_temp_files,
    clean_unregistered_checkpoints,
    models_folder,
)
from heritage_desk.services.suggestion_model import starter_version
from heritage_desk.storage.catalogue import Catalogue

#: Where the models folder is decided now (the model store); kept for existing callers.
models_dir_for = models_folder
__all__ = [
    "CHECKPOINT_MIN_AGE_S",
    "clean_temp_files",
    "clean_unregistered_checkpoints",
    "models_dir_for",
]


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
    noisier signal, by more than `year_tolerance`. A figure measured on fewer than
    MIN_COMPARED works is not compared: on three dated works one flip moves it by 33 points.
    """
    if base is None:
        return None
    worse = tuple(
        k
        for k, tol in zip(COMPARED, (tolerance, year_tolerance), strict=True)
        if k in new and k in base and new[k] < base[k] - tol and _enough(new, k)
    )
    return f"worse than the active model {comparison(new, base, worse)}" if worse else None


#: The fewest held-out works a compared figure must be measured on to hold a model back.
MIN_COMPARED = 10


def _enough(metrics: dict[str, float], key: str) -> bool:
    """`key` was measured on at least MIN_COMPARED works (or its count was not recorded)."""
    return metrics.get(COUNTED_BY[key], MIN_COMPARED) >= MIN_COMPARED


def summary(new: dict[str, float], base: dict[str, float]) -> str:
    """The compared held-out figures side by side, for a version's note (the panel's words)."""
    return comparison(new, base)


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


def rollback_target(
    versions: list[ModelVersion], available: Callable[[ModelVersion], bool]
) -> ModelVersion | None:
    """The version activated before the active one that can be loaded (None: no active).

    `available` is ModelStore.available. Raises ValueError when there is an active version
    but nothing earlier to go back to.
    """
    active = next((v for v in versions if v.active), None)
    if active is None:
        return None
    older = [
        v
        for v in versions
        if v.created_at < active.created_at and v.note.startswith("activated") and available(v)
    ]
    if not older:
        raise ValueError(f"no earlier model to roll back to from {active.version}")
    return older[0]
