"""Where an asset stands in review: the badge it wears and whether it counts as reviewed."""

from __future__ import annotations

import enum

from heritage_desk.core.model import PREDICTED_FIELDS, Asset, Field, Provenance, needs_value
from heritage_desk.core.views import Row


class ReviewState(enum.StrEnum):
    """An asset's review state, most urgent first; the window draws one badge per state.

    A new state is one member here, one line in `review_state`, one entry in gui.badges.BADGES.
    """

    FLAGGED = "flagged"  # flagged for an expert, with a note (Field.FLAG): it waits for them
    SUGGESTED = "suggested"  # a missing artist or date has a suggestion waiting
    MISSING = "missing"  # a missing artist or date without a suggestion
    ACCEPTED = "accepted"  # artist and date known, one of them an accepted suggestion
    CONFIRMED = "confirmed"  # artist and date known, a curator stands behind one of them
    IMPORTED = "imported"  # artist and date as imported, nobody reviewed them (no badge)


def review_state(row: Row) -> ReviewState:
    """The state of `row`'s asset: work left first, then how its artist and date were decided."""
    a = row.asset
    if Field.FLAG in a.fields:
        return ReviewState.FLAGGED
    missing = [f for f in PREDICTED_FIELDS if needs_value(a, f)]
    top = {Field.ARTIST: row.artist, Field.DATE: row.date}
    if any(top.get(f) is not None for f in missing):
        return ReviewState.SUGGESTED
    if missing:
        return ReviewState.MISSING
    values = [a.fields[f] for f in PREDICTED_FIELDS]
    if any(v.provenance is Provenance.SUGGESTION for v in values):
        return ReviewState.ACCEPTED
    if any(v.is_confirmed for v in values):
        return ReviewState.CONFIRMED
    return ReviewState.IMPORTED


def is_reviewed(asset: Asset) -> bool:
    """A curator stands behind one of the asset's values: the *Reviewed* filter, per asset.

    Its SQL twin is the `reviewed` condition of storage.asset_query.where_clauses.
    """
    return any(fv.is_confirmed for fv in asset.fields.values())
