"""Training examples: an image plus whatever of its metadata is known."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    """One labelled (or partly labelled) image; None means unknown."""

    image_path: str
    artist: str | None = None
    year: int | None = None
    genre: str | None = None
    style: str | None = None
    medium: str | None = None
    title: str | None = None
    #: How far `artist` is the painter's own hand (core.names.evidence_weight: "attributed
    #: to X" 0.5): the weight of the artist label in training; the year counts fully.
    weight: float = 1.0


def artwork_key(ex: Example) -> str:
    """Artist + title with trailing digits stripped: copies of one painting share it."""
    if not ex.title:  # without a title each image is its own artwork
        return f"{ex.artist or ''}|file:{ex.image_path}"
    title = re.sub(r"[\s\-_]*\d+$", "", ex.title.lower()).strip()
    return f"{ex.artist or ''}|{title}"
