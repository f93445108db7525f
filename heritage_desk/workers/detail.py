"""What the detail and suggestions panels show for one asset, gathered in one executor call."""

from __future__ import annotations

from dataclasses import dataclass, field

from heritage_desk.core.model import (
    PREDICTED_FIELDS,
    Asset,
    Field,
    ModelVersion,
    Suggestion,
    needs_value,
)


@dataclass(frozen=True)
class Evidence:
    """A confirmed work of the catalogue that resembles the asset, for one suggested value."""

    asset_id: int
    image_path: str
    checksum: str | None
    title: str | None
    similarity: float


@dataclass(frozen=True)
class AssetDetail:
    """An asset, its ranked suggestions and the evidence behind each suggested artist."""

    asset: Asset
    suggestions: tuple[Suggestion, ...] = ()
    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    model_version: str | None = None

    def candidates(self, f: Field) -> list[Suggestion]:
        """Suggestions for field `f`, best first."""
        return sorted((s for s in self.suggestions if s.field == f), key=lambda s: s.rank)

    def pending_fields(self) -> list[Field]:
        """Predicted fields that are still unknown and have suggestions."""
        return [f for f in PREDICTED_FIELDS if needs_value(self.asset, f) and self.candidates(f)]


@dataclass(frozen=True)
class ModelReport:
    """What the model panel shows: versions, the active one's plots, and where it runs."""

    versions: tuple[ModelVersion, ...] = ()
    active: str | None = None
    in_use: str | None = None  # what suggestions come from (the starter when none is active)
    device: str = "CPU"
    confusion_labels: tuple[str, ...] = ()
    confusion: tuple[tuple[int, ...], ...] = ()
    curves: dict[str, dict[str, tuple[float, ...]]] = field(default_factory=dict)  # by version
    note: str = ""
