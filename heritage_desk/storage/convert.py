"""ORM rows to core objects, and field rows to the JSON states that decisions keep for undo."""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from typing import Any

from heritage_desk.core.model import (
    Action,
    Asset,
    Decision,
    Field,
    FieldValue,
    ModelVersion,
    Provenance,
    Suggestion,
)
from heritage_desk.storage.orm import (
    AssetRow,
    DecisionRow,
    FieldValueRow,
    ModelVersionRow,
    SuggestionRow,
)

#: Columns of a field row that a decision's old/new state records.
STATE_COLUMNS = (
    "value", "year_from", "year_to", "provenance", "model_version", "probability", "reviewer",
    "confirmed", "origin",
)  # fmt: skip


@functools.cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _from_row(cls: Any, row: object, **given: Any) -> Any:
    """A core dataclass from the row's attributes of the same names (`given`: converted ones)."""
    return cls(**{n: getattr(row, n) for n in _names(cls) if n not in given}, **given)


def field_value(row: FieldValueRow) -> FieldValue:
    """A core FieldValue from its row."""
    value: FieldValue = _from_row(
        FieldValue, row, field=Field(row.field), provenance=Provenance(row.provenance)
    )
    return value


def asset(row: AssetRow, fields: list[FieldValueRow]) -> Asset:
    """A core Asset from its row and its field rows."""
    value: Asset = _from_row(Asset, row, fields={Field(f.field): field_value(f) for f in fields})
    return value


def suggestion(row: SuggestionRow) -> Suggestion:
    """A core Suggestion from its row."""
    value: Suggestion = _from_row(Suggestion, row, field=Field(row.field))
    return value


def decision(row: DecisionRow) -> Decision:
    """A core Decision from its row."""
    origin = (row.new_state or {}).get("origin") if row.action == Action.ACCEPT.value else None
    value: Decision = _from_row(
        Decision, row, field=Field(row.field), action=Action(row.action), origin=origin
    )
    return value


def model_version(row: ModelVersionRow) -> ModelVersion:
    """A core ModelVersion from its row."""
    metrics = {k: float(v) for k, v in (row.metrics or {}).items()}
    value: ModelVersion = _from_row(ModelVersion, row, metrics=metrics)
    return value


def state(row: FieldValueRow | None) -> dict[str, Any] | None:
    """The JSON state of a field row (None when the field is unknown)."""
    return state_json(field_value(row)) if row is not None else None


def row_values(fv: FieldValue, now: datetime | None) -> dict[str, Any]:
    """The field_values columns of a value about to be written (defaults resolved)."""
    return {
        "value": fv.value, "year_from": fv.year_from, "year_to": fv.year_to,
        "provenance": fv.provenance.value, "model_version": fv.model_version,
        "probability": fv.probability, "reviewer": fv.reviewer, "confirmed": fv.is_confirmed,
        "decided_at": fv.decided_at or now, "origin": fv.origin,
    }  # fmt: skip


def state_json(fv: FieldValue) -> dict[str, Any]:
    """The JSON state a decision keeps of a field value (undo writes it back)."""
    out = row_values(fv, None)
    out["decided_at"] = fv.decided_at.isoformat() if fv.decided_at else None
    return out


def state_value(field: Field, st: dict[str, Any] | None) -> FieldValue | None:
    """The field value a decision's JSON state records (None: the field was unknown)."""
    if st is None:
        return None
    raw = st.get("decided_at")
    return FieldValue(
        field=field, value=st["value"], provenance=Provenance(st["provenance"]),
        year_from=st.get("year_from"), year_to=st.get("year_to"),
        model_version=st.get("model_version"), probability=st.get("probability"),
        reviewer=st.get("reviewer"), decided_at=datetime.fromisoformat(raw) if raw else None,
        confirmed=st.get("confirmed"), origin=st.get("origin"),
    )  # fmt: skip
