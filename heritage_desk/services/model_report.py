"""The model panel's report: versions with their metrics and curves, and a confusion matrix."""

from __future__ import annotations

import contextlib
import json
import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from heritage_desk.core.model import Action, Decision, Field, ModelVersion
from heritage_desk.core.names import parse_artist
from heritage_desk.core.views import ModelReport
from heritage_desk.services.model_store import ModelStore
from heritage_desk.storage.catalogue import Catalogue

#: How Desk.model_in_use names an active version this machine cannot load.
UNLOADABLE = "cannot be loaded"


def _sidecar(path: str) -> dict[str, object]:
    """The JSON object beside a checkpoint ({} for an odd one: the panel must still open)."""
    try:
        data = json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def checkpoint_created(path: str | Path) -> datetime | None:
    """When a checkpoint was trained: its sidecar's created_at, else the file's time."""
    raw = _sidecar(str(path)).get("created_at")
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(raw)
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    try:
        return datetime.fromtimestamp(Path(path).stat().st_mtime, UTC)
    except OSError:
        return None


def _with_sidecar_facts(v: ModelVersion) -> ModelVersion:
    """A version whose row lacks facts (the starter) gets its checkpoint's metrics and date.

    Starters registered by earlier builds carry a placeholder date (2000-01-01)."""
    if v.created_at.year <= STARTER_PLACEHOLDER_YEAR:
        when = checkpoint_created(v.path)
        if when is not None:
            v = replace(v, created_at=when)
    if v.metrics:
        return v
    raw = _sidecar(v.path).get("metrics", {})
    metrics = {
        str(k): float(x) for k, x in (raw.items() if isinstance(raw, dict) else ())
        if isinstance(x, int | float) and math.isfinite(x)
    }  # fmt: skip
    return replace(v, metrics=metrics) if metrics else v


def unloadable(in_use: str | None) -> bool:
    """True when the model status says the catalogue's active model cannot be loaded here."""
    return bool(in_use) and str(in_use).endswith(UNLOADABLE)


#: Placeholder year of starters registered before they were dated from their sidecar.
STARTER_PLACEHOLDER_YEAR = 2000
#: The column for a top suggestion whose name is unknown (a candidate 2-5 was picked).
NOT_TOP = "(not the top suggestion)"
#: Rows and columns beyond the most frequent names.
OTHER = "(other)"


def _suggested(d: Decision) -> str:
    """The model's first choice in an artist decision: the rejected or the accepted top value."""
    origin = d.origin or ""
    if d.action is Action.ACCEPT and origin and not origin.startswith("artist suggestion 1 "):
        return NOT_TOP
    return d.new_value or ""


def _confusion(
    cat: Catalogue, top: int = 10
) -> tuple[tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """Suggested (first decided, not undone) vs confirmed artist over recent decisions.

    A rejected-then-typed artist and a picked candidate 2 are off the diagonal; names compare
    as persons (the model's and the catalogue's spellings of Renoir are one column).
    """
    recent = cat.last_decisions(5000)
    undone = {d.undoes for d in recent if d.undoes is not None}
    first: dict[int, str] = {}
    for d in reversed(recent):
        if d.id in undone or d.undoes is not None:
            continue
        if d.field is Field.ARTIST and d.action in (Action.ACCEPT, Action.REJECT):
            first.setdefault(d.asset_id, _suggested(d))
    if not first:
        return (), ()
    pairs = []
    for a in cat.get_assets(list(first)):
        truth = a.value(Field.ARTIST)
        if truth:
            pairs.append((_person(truth), _person(first[a.id])))
    counts = Counter([t for t, _ in pairs] + [p for _, p in pairs if p != NOT_TOP])
    labels = [n for n, _ in counts.most_common(top)]
    if any(t not in labels or (p not in labels and p != NOT_TOP) for t, p in pairs):
        labels.append(OTHER)
    if any(p == NOT_TOP for _, p in pairs):
        labels.append(NOT_TOP)
    index = {n: i for i, n in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for t, pr in pairs:
        m[index.get(t, index.get(OTHER, 0))][index.get(pr, index.get(OTHER, 0))] += 1
    return tuple(labels), tuple(tuple(r) for r in m)


def _person(name: str) -> str:
    """One label per person: the parsed name without life dates or nationality."""
    if name in (NOT_TOP, OTHER):
        return name
    ref = parse_artist(name)
    return ref.name or name


def model_report(cat: Catalogue, in_use: str | None, device: str, store: ModelStore) -> ModelReport:
    """Everything the model panel shows (in_use: the version suggestions come from, if any).

    Curves are read through the model store (a shared catalogue's come from the catalogue).
    """
    versions = tuple(_with_sidecar_facts(v) for v in cat.model_versions())
    active = next((v for v in versions if v.active), None)
    note = f"The active model {in_use}: no suggestions are made. " if unloadable(in_use) else ""
    if active is None:
        note = "No retrain yet: the starter model shipped with the app makes the suggestions."
        if in_use is None:
            note = "No model found: put a starter model in resources/models, or retrain."
    labels, matrix = _confusion(cat)
    curves = {v.version: c for v in versions if (c := store.curves(v))}
    if labels:
        note += (
            " Confusion: the artist first suggested vs the artist curators confirmed (undone"
            " decisions left out; a picked candidate 2-5 counts as 'not the top suggestion')."
        )
    return ModelReport(versions, active.version if active else None,
                       in_use, device, labels, matrix, curves,
                       note.strip())  # fmt: skip
