"""ORM rows to core objects, and field rows to the JSON states that decisions keep for undo."""

from __future__ import annotations

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
    "confirmed",
)  # fmt: skip


def field_value(row: FieldValueRow) -> FieldValue:
    """A core FieldValue from its row."""
    return FieldValue(
        field=Field(row.field),
        value=row.value,
        provenance=Provenance(row.provenance),
        year_from=row.year_from,
        year_to=row.year_to,
        model_version=row.model_version,
        probability=row.probability,
        reviewer=row.reviewer,
        decided_at=row.decided_at,
    )


def asset(row: AssetRow, fields: list[FieldValueRow]) -> Asset:
    """A core Asset from its row and its field rows."""
    return Asset(
        id=row.id,
        image_path=row.image_path,
        checksum=row.checksum,
        inventory_number=row.inventory_number,
        width=row.width,
        height=row.height,
        fields={Field(f.field): field_value(f) for f in fields},
    )


def suggestion(row: SuggestionRow) -> Suggestion:
    """A core Suggestion from its row."""
    return Suggestion(
        field=Field(row.field),
        value=row.value,
        probability=row.probability,
        rank=row.rank,
        model_version=row.model_version,
        year_from=row.year_from,
        year_to=row.year_to,
    )


def decision(row: DecisionRow) -> Decision:
    """A core Decision from its row."""
    return Decision(
        id=row.id,
        asset_id=row.asset_id,
        field=Field(row.field),
        action=Action(row.action),
        old_value=row.old_value,
        new_value=row.new_value,
        reviewer=row.reviewer,
        at=row.at,
        model_version=row.model_version,
        probability=row.probability,
        undoes=row.undoes,
        batch_id=row.batch_id,
    )


def model_version(row: ModelVersionRow) -> ModelVersion:
    """A core ModelVersion from its row."""
    return ModelVersion(
        version=row.version,
        created_at=row.created_at,
        path=row.path,
        active=row.active,
        metrics={k: float(v) for k, v in (row.metrics or {}).items()},
        note=row.note,
    )


def state(row: FieldValueRow | None) -> dict[str, Any] | None:
    """The JSON state of a field row (None when the field is unknown)."""
    if row is None:
        return None
    out: dict[str, Any] = {c: getattr(row, c) for c in STATE_COLUMNS}
    out["decided_at"] = row.decided_at.isoformat() if row.decided_at else None
    return out


def state_decided_at(st: dict[str, Any]) -> datetime | None:
    """The decision time recorded in a state."""
    raw = st.get("decided_at")
    return datetime.fromisoformat(raw) if raw else None
