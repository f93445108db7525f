"""What the window shows, as plain values the Desk returns: rows, an asset's detail, reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from heritage_desk.core.model import (
    PREDICTED_FIELDS,
    Asset,
    Doubt,
    Field,
    ModelVersion,
    Suggestion,
    needs_value,
)


@dataclass(frozen=True)
class Row:
    """One asset as the list shows it, with its top artist and date suggestions."""

    asset: Asset
    artist: Suggestion | None = None
    date: Suggestion | None = None

    @classmethod
    def of(cls, asset: Asset, suggestions: list[Suggestion]) -> Row:
        """The row of `asset`, keeping the best-ranked suggestion of each field."""
        top: dict[Field, Suggestion] = {}
        for s in suggestions:
            if s.field not in top or s.rank < top[s.field].rank:
                top[s.field] = s
        return cls(asset, top.get(Field.ARTIST), top.get(Field.DATE))


@dataclass(frozen=True)
class Page:
    """How many assets a query matches, and the rows of the page asked for."""

    count: int
    rows: list[Row]


@dataclass(frozen=True)
class Evidence:
    """A confirmed work of the catalogue that resembles the asset, for one suggested value."""

    asset_id: int
    image_path: str
    checksum: str | None
    title: str | None
    similarity: float
    #: How the record gives it to the artist ("attributed to"); None: the artist's own hand.
    qualifier: str | None = None

    def given_as(self, name: str) -> str:
        """How the catalogue gives this work to the artist `name` (as the caller writes it)."""
        if self.qualifier is None:
            return f"a confirmed work of {name}"
        return f"a work given as {self.qualifier} {name}: weaker evidence"


@dataclass(frozen=True)
class AssetDetail:
    """An asset, its ranked suggestions and the evidence behind each suggested artist."""

    asset: Asset
    suggestions: tuple[Suggestion, ...] = ()
    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    model_version: str | None = None
    #: Where the stated artist and date figures were measured ("this catalogue (n=40)").
    figure_sources: tuple[str, str] | None = None
    #: The model's doubt about the recorded artist, while the record still reads as judged.
    doubt: Doubt | None = None

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
