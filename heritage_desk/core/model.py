"""Domain objects passed between storage, services, workers and the GUI."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Field(enum.StrEnum):
    """Metadata fields a catalogue records per asset."""

    ARTIST = "artist"
    DATE = "date"
    TITLE = "title"
    GENRE = "genre"
    STYLE = "style"
    MEDIUM = "medium"
    #: Not metadata: "flag for an expert", its value the curator's note. Kept as a field so that
    #: undo, the history, other curators' windows and the export carry it like any decision.
    FLAG = "flag"


#: The fields that describe the work (everything but the flag), e.g. what an import may set.
METADATA_FIELDS: tuple[Field, ...] = tuple(f for f in Field if f is not Field.FLAG)
#: Fields the model predicts.
PREDICTED_FIELDS: tuple[Field, ...] = (Field.ARTIST, Field.DATE)
#: The artist candidate that says the painter is none the model knows; never a field value.
UNKNOWN_ARTIST = "none of the painters I know"
#: Fields the model reads as known context.
CONTEXT_FIELDS: tuple[Field, ...] = (Field.GENRE, Field.STYLE, Field.MEDIUM)


class Provenance(enum.StrEnum):
    """Where a field value came from."""

    IMPORTED = "imported"
    CURATOR = "curator"
    SUGGESTION = "suggestion"


class Action(enum.StrEnum):
    """What a decision did."""

    ACCEPT = "accept"
    REJECT = "reject"
    EDIT = "edit"
    UNDO = "undo"
    FLAG = "flag"  # flagged for an expert, with a note (Field.FLAG)
    UNFLAG = "unflag"


@dataclass(frozen=True)
class FieldValue:
    """The current value of one field of one asset, with its provenance."""

    field: Field
    value: str
    provenance: Provenance
    year_from: int | None = None
    year_to: int | None = None
    model_version: str | None = None
    probability: float | None = None
    reviewer: str | None = None
    decided_at: datetime | None = None
    #: A curator stands behind it. None on a value about to be written: True unless imported.
    confirmed: bool | None = None
    #: Which suggestion an accepted value came from ("date suggestion 1 ..., range edited").
    origin: str | None = None

    @property
    def is_confirmed(self) -> bool:
        """The confirmed flag, with the default for a value not written yet."""
        if self.confirmed is None:
            return self.provenance is not Provenance.IMPORTED
        return self.confirmed


@dataclass(frozen=True)
class Asset:
    """One image in a catalogue and its known metadata."""

    id: int
    image_path: str
    checksum: str
    inventory_number: str | None = None
    width: int | None = None
    height: int | None = None
    fields: dict[Field, FieldValue] = field(default_factory=dict)

    def value(self, f: Field) -> str | None:
        """The value of field `f`, or None when unknown."""
        fv = self.fields.get(f)
        return fv.value if fv else None

    @property
    def title(self) -> str | None:
        return self.value(Field.TITLE)


def needs_value(asset: Asset, field: Field) -> bool:
    """Whether `field` of `asset` lacks a value: the one meaning of "missing" everywhere.

    A date kept as text without a year has a value (the curator wrote it). Its SQL twin, for
    filters and counts, is storage.asset_query.needs_value.
    """
    return field not in asset.fields


@dataclass(frozen=True)
class Suggestion:
    """One candidate value for a missing field, as the model ranked it."""

    field: Field
    value: str
    probability: float
    rank: int
    model_version: str
    year_from: int | None = None
    year_to: int | None = None
    #: A date's single best year: the median of the distribution behind the range (half the
    #: odds before it, half after), closer to the truth than the likeliest decade when the
    #: range is wide.
    year_estimate: int | None = None
    #: Where `probability` was measured, in words: "this catalogue (n=66)" or "starter prior
    #: (n=690)" (None for suggestions stored before migration 0009).
    figures: str | None = None


#: A recorded painter the model gives less than this is a possible mistake (issue 17 item 7).
DOUBT_BELOW = 0.05


@dataclass(frozen=True)
class Doubt:
    """How much the model believes a work's recorded artist, and what it would say instead.

    Like FiftyOne's "mistakenness": a low `recorded_probability` beside a confident other
    outcome is worth a second look; a doubt never changes a value.
    """

    asset_id: int
    image_path: str
    recorded: str  # the artist value judged, as the record has it
    recorded_probability: float
    alternative: str  # a painter's name, or UNKNOWN_ARTIST
    alternative_probability: float
    model_version: str = ""

    @property
    def is_possible_mistake(self) -> bool:
        return self.recorded_probability < DOUBT_BELOW


@dataclass(frozen=True)
class Decision:
    """An append-only record of what a reviewer did to a field."""

    id: int
    asset_id: int
    field: Field
    action: Action
    old_value: str | None
    new_value: str | None
    reviewer: str
    at: datetime
    model_version: str | None = None
    probability: float | None = None
    undoes: int | None = None  # the decision this one undid
    batch_id: str | None = None  # decisions of one batch undo as one step
    origin: str | None = None  # which suggestion an accept took (from the new state)


@dataclass(frozen=True)
class ModelVersion:
    """A trained model known to the catalogue."""

    version: str
    created_at: datetime
    path: str
    active: bool
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""
    sha256: str | None = None  # the checkpoint's content hash (None: recorded before 0004)


class ModelUnavailableError(RuntimeError):
    """The catalogue names a model this process cannot load; the message is one line."""

    def __init__(self, version: str, reason: str) -> None:
        self.version = version
        self.reason = reason
        super().__init__(
            f"the catalogue's active model {version} cannot be loaded: {reason}; "
            "no suggestions are made with another model (activate another version, "
            "or restore the file)"
        )


@dataclass(frozen=True)
class ModelFiles:
    """The bytes of a model version as a shared catalogue keeps them (services.model_store)."""

    checkpoint: bytes
    sidecar: str | None = None  # the checkpoint's JSON for people (metrics, history)
    curves: str | None = None  # training curves recorded by the app (JSON)


@dataclass(frozen=True)
class Changes:
    """What an operation changed; each view decides whether to reload (Anki's OpChanges)."""

    assets: bool = False
    fields: bool = False
    suggestions: bool = False
    decisions: bool = False
    model: bool = False
    asset_ids: frozenset[int] = frozenset()

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            assets=self.assets or other.assets,
            fields=self.fields or other.fields,
            suggestions=self.suggestions or other.suggestions,
            decisions=self.decisions or other.decisions,
            model=self.model or other.model,
            asset_ids=self.asset_ids | other.asset_ids,
        )
