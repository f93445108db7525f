"""The retrain child's protocol, in one place: typed events, their JSON lines, the statuses.

The child (services/retrain_child.py) writes one JSON object per line on stdout; the parent
(services/retrain_job.py) reads them with `parse_line` and ends in a ChildOutcome whose status
is a ChildStatus; the service (services/retrain.py) turns that into a RetrainResult whose status
is a RetrainStatus. Lines, in order:

    {"event": "ready", "pid": 123}                       the child imported torch
    {"event": "start", "pid": 123, "version": "v3", "items": 240}
    {"event": "progress", "done": 3, "total": 30, "message": "epoch 3: loss 1.20"}
    {"event": "metrics", "phase": "data" | "holdout", "model": "new" | "baseline", ...}
    {"event": "done", "checkpoint": OUT, "metrics": {...}, "baseline": {...} | null, ...}
    {"event": "error", "message": "..."}

Standard library only: the child imports it before torch.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

log = logging.getLogger(__name__)


class EventKind(enum.StrEnum):
    """The `event` field of a protocol line."""

    READY = "ready"
    START = "start"
    PROGRESS = "progress"
    METRICS = "metrics"
    DONE = "done"
    ERROR = "error"


class ChildStatus(enum.StrEnum):
    """How the child process ended (ChildOutcome.status)."""

    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class RetrainStatus(enum.StrEnum):
    """What a retrain did with the child's model (RetrainResult.status)."""

    ACTIVATED = "activated"
    KEPT = "kept"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def made_no_model(self) -> bool:
        """The child stopped without a model to judge."""
        return self in (RetrainStatus.CANCELLED, RetrainStatus.FAILED)


@dataclass(frozen=True)
class Ready:
    """The child has imported torch and waits for its manifest."""

    kind: ClassVar[EventKind] = EventKind.READY
    pid: int = 0


@dataclass(frozen=True)
class Start:
    """The child read its manifest and starts training."""

    kind: ClassVar[EventKind] = EventKind.START
    pid: int = 0
    version: str = ""
    items: int = 0


@dataclass(frozen=True)
class TrainingProgress:
    """A step of training."""

    kind: ClassVar[EventKind] = EventKind.PROGRESS
    done: int = 0
    total: int = 0
    message: str = "training"


@dataclass(frozen=True)
class Metrics:
    """Figures about the data or a model on the held-out items (`model`: new or baseline)."""

    kind: ClassVar[EventKind] = EventKind.METRICS
    phase: str = ""
    model: str | None = None
    values: dict[str, float] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Done:
    """The checkpoint is written (fsynced, renamed) and validated."""

    kind: ClassVar[EventKind] = EventKind.DONE
    checkpoint: Path = Path()
    metrics: dict[str, float] = field(default_factory=dict)
    baseline: dict[str, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Error:
    """The child failed; `message` says why."""

    kind: ClassVar[EventKind] = EventKind.ERROR
    message: str = "unknown error"


Event = Ready | Start | TrainingProgress | Metrics | Done | Error


def to_json(event: Event) -> dict[str, Any]:
    """The JSON object of one protocol line."""
    out: dict[str, Any] = {"event": event.kind.value}
    if isinstance(event, Metrics):
        out.update(phase=event.phase, **({"model": event.model} if event.model else {}))
        out.update(event.values)
        if event.error is not None:
            out["error"] = event.error
    elif isinstance(event, Done):
        out.update(checkpoint=str(event.checkpoint), metrics=event.metrics,
                   baseline=event.baseline, **event.extra)  # fmt: skip
    else:
        out.update({k: v for k, v in vars(event).items()})
    return out


def encode(event: Event) -> str:
    """One protocol line (no newline)."""
    return json.dumps(to_json(event), ensure_ascii=False, default=_jsonable)


def from_json(obj: dict[str, Any]) -> Event | None:
    """The event a JSON object carries; None for an unknown kind."""
    try:
        kind = EventKind(str(obj.get("event")))
    except ValueError:
        log.debug("retrain child sent an unknown event: %r", obj.get("event"))
        return None
    if kind is EventKind.READY:
        return Ready(int(obj.get("pid", 0)))
    if kind is EventKind.START:
        return Start(int(obj.get("pid", 0)), str(obj.get("version", "")), int(obj.get("items", 0)))
    if kind is EventKind.PROGRESS:
        return TrainingProgress(
            int(obj.get("done", 0)), int(obj.get("total", 0)), str(obj.get("message", "training"))
        )
    if kind is EventKind.METRICS:
        error = obj.get("error")
        rest = {k: v for k, v in obj.items() if k not in ("event", "phase", "model", "error")}
        model = obj.get("model")
        return Metrics(str(obj.get("phase", "")), str(model) if model else None, floats(rest),
                       str(error) if error is not None else None)  # fmt: skip
    if kind is EventKind.DONE:
        extra = {k: v for k, v in obj.items() if k not in _DONE_KEYS}
        baseline = obj.get("baseline")
        return Done(Path(str(obj["checkpoint"])), floats(obj.get("metrics")),
                    floats(baseline) if baseline else None, extra)  # fmt: skip
    return Error(str(obj.get("message", "unknown error")))


def parse_line(line: str) -> Event | None:
    """The event on one line of the child's stdout; other lines are logged and skipped."""
    line = line.strip()
    if not line:
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        log.debug("retrain child printed a non-JSON line: %s", line[:200])
        return None
    if not isinstance(obj, dict) or "event" not in obj:
        return None
    try:
        return from_json(obj)
    except (KeyError, TypeError, ValueError) as exc:
        log.debug("retrain child sent a malformed %s line: %s", obj.get("event"), exc)
        return None


def floats(d: Any) -> dict[str, float]:
    """The numeric entries of a JSON object (metrics)."""
    if not isinstance(d, dict):
        return {}
    return {str(k): float(v) for k, v in d.items() if isinstance(v, int | float)}


_DONE_KEYS = frozenset({"event", "checkpoint", "metrics", "baseline"})


def _jsonable(obj: Any) -> Any:
    """numpy scalars and paths in metrics become plain JSON values."""
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)
