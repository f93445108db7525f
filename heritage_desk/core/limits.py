"""Limits every reader of image files shares (import, embedding, thumbnails): one place."""

from __future__ import annotations

#: Largest image accepted (pixels): a 13,000 x 13,000 museum scan. Pillow warns above its own
#: limit and refuses above twice it; readers set Pillow's limit to this and check it themselves
#: before decoding, so a file that imports also embeds (issue 16 item 10).
MAX_IMAGE_PIXELS = 170_000_000


def pixel_problem(width: int, height: int) -> str | None:
    """Why an image of this size is refused (one line), or None when it is within the limit."""
    if width * height > MAX_IMAGE_PIXELS:
        return f"too large: {width}x{height} pixels is over {MAX_IMAGE_PIXELS:,}"
    return None
