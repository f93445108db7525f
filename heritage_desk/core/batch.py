"""A batch accept, previewed: what it would write, and how many of those to expect wrong."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from heritage_desk.core.model import Suggestion


@dataclass(frozen=True)
class BatchItem:
    """One value a batch accept would write: the asset, its image (a thumbnail), the suggestion."""

    asset_id: int
    title: str | None
    image_path: str
    checksum: str | None
    suggestion: Suggestion


def expected_wrong(items: Iterable[BatchItem]) -> float:
    """How many of `items` to expect wrong if their stated probabilities hold: sum of 1 - p."""
    return sum(1.0 - i.suggestion.probability for i in items)
