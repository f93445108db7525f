"""The model behind suggestions: which one (the catalogue's active version), loading, reading it.

Torch-lazy: heritage_desk.ml is imported only when a predictor is loaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from heritage_desk import config
from heritage_desk.core.digest import file_sha256_memoised
from heritage_desk.core.model import UNKNOWN_ARTIST, Asset, Field, Suggestion, needs_value
from heritage_desk.core.names import ArtistRef, parse_artist
from heritage_desk.core.yearbins import decade_label
from heritage_desk.services.model_store import STARTER_PREFIX, ModelStore, ModelUnavailableError
from heritage_desk.storage.catalogue import Catalogue

if TYPE_CHECKING:
    from heritage_desk.ml.predictor import Prediction, Predictor

log = logging.getLogger(__name__)

DEFAULT_BACKBONE = "lite0"
#: The merge key of the "none of the painters I know" candidate (never a person's key).
UNKNOWN_KEY = "\x00unknown"
STARTER_NAME = "starter.safetensors"

#: Attribution qualifiers on artist suggestions (issue 17 item 5), CCO / LIDO terms. A painter
#: at least NAMED_FROM probable is suggested by name; from ATTRIBUTED_FROM up to NAMED_FROM
#: "attributed to X" (the hand is probably X's, with doubt: what a curator would write), with
#: the same probability. ("Follower of X" where "none of the painters I know" led and one known
#: painter dominated the rest was tried and dropped: on the museum scenario 3 of 19 such
#: suggestions named the hand the museum names, docs/benchmarks.md.)
NAMED_FROM = 0.9
ATTRIBUTED_FROM = 0.5


@lru_cache(maxsize=4096)
def artist_ref(name: str) -> ArtistRef:
    """parse_artist, memoised: the same few hundred names are parsed for every asset."""
    return parse_artist(name)


def default_starter() -> Path | None:
    """The starter model shipped in resources/models, or None when absent."""
    folder = config.resources_dir() / "models"
    p = folder / STARTER_NAME
    if p.is_file():
        return p
    found = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
    return found[0] if found else None


def starter_version(path: str | Path) -> str:
    """The version name of a starter checkpoint, from its content ("starter-1a2b3c4d5e")."""
    return f"starter-{file_sha256_memoised(path)[:10]}"


@dataclass(frozen=True)
class ModelInUse:
    """The model suggestions come from: the catalogue's active version, or the starter."""

    version: str
    path: Path  # a verified local file (ModelStore.local_file)
    is_starter: bool


def model_in_use(catalogue: Catalogue, store: ModelStore) -> ModelInUse | None:
    """The active version's verified local file; the starter when none is active; else None.

    Raises ModelUnavailableError when the catalogue names a version that cannot be loaded
    here: suggesting with another model would record decisions against a model the
    catalogue did not name (issue 15), so there is no fallback.
    """
    active = catalogue.active_model()
    if active is not None:
        path = store.local_file(active)
        return ModelInUse(active.version, path, active.version.startswith(STARTER_PREFIX))
    starter = store.starter
    if starter is not None and starter.is_file():
        return ModelInUse(starter_version(starter), starter, True)
    return None


def load_predictor(model: ModelInUse) -> Predictor:
    """Load `model`; a file that is not a usable checkpoint is a ModelUnavailableError."""
    from heritage_desk.ml.checkpoint import CheckpointError
    from heritage_desk.ml.predictor import Predictor

    try:
        return Predictor.load(model.path, model.version)
    except CheckpointError as exc:
        raise ModelUnavailableError(model.version, str(exc)) from None


def suggestions_from(
    a: Asset,
    pred: Prediction,
    names: dict[str, str],
    top_k: int,
    figures: tuple[str | None, str | None] = (None, None),
) -> list[Suggestion]:
    """The suggestions for `a`'s unknown artist (top_k, one per person) and date; `figures`:
    where the artist and the date figures were measured (suggestion_trust.figure_words)."""
    out: list[Suggestion] = []
    if needs_value(a, Field.ARTIST):
        merged: dict[str, float] = {}
        for c in pred.artists:  # two model names of one person add up
            key = artist_ref(c.artist).key
            merged[key] = merged.get(key, 0.0) + c.probability
        shown = {key: names.get(key, key) for key in merged}
        if pred.unknown > 0:  # "none of the painters I know", ranked like any candidate
            merged[UNKNOWN_KEY] = pred.unknown
            shown[UNKNOWN_KEY] = UNKNOWN_ARTIST
        ranked = sorted(merged.items(), key=lambda kv: -kv[1])[:top_k]
        for rank, (key, prob) in enumerate(ranked, start=1):
            value = qualified(shown[key], prob)
            out.append(
                Suggestion(Field.ARTIST, value, prob, rank, pred.model_version, figures=figures[0])
            )
    if needs_value(a, Field.DATE):
        year = pred.year
        known = a.value(Field.ARTIST)
        if known is not None:  # a date consistent with the artist the curator knows
            key = artist_ref(known).key
            match = next((c for c in pred.artists if artist_ref(c.artist).key == key), None)
            if match is not None and match.year is not None:
                year = match.year
        if year is not None:
            out.append(
                Suggestion(
                    Field.DATE,
                    decade_label(year.decade),
                    year.range_probability,
                    1,
                    pred.model_version,
                    year_from=year.year_from,
                    year_to=year.year_to,
                    year_estimate=year.year,
                    figures=figures[1],
                )
            )
    return out


def qualified(name: str, probability: float) -> str:
    """An artist suggestion as a curator would write it at this probability (NAMED_FROM)."""
    if name == UNKNOWN_ARTIST or not ATTRIBUTED_FROM <= probability < NAMED_FROM:
        return name
    return f"attributed to {name}"
