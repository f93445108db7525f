"""The child's training steps: load cached embeddings, fine-tune or train a head, evaluate.

Run in the retrain child only (heritage_desk.services.retrain_child); numpy, torch and
heritage_desk.ml are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from heritage_desk.services.retrain_manifest import ManifestItem

#: Optimiser steps a retrain aims for at least, and the most epochs (see adaptive_epochs).
TARGET_STEPS = 150
MAX_EPOCHS = 30
#: Rows per starter artist its exemplars count as (repeated), and the most repeats.
EXEMPLAR_WEIGHT = 24
MAX_EXEMPLAR_REPEAT = 4
#: Epochs of a warm start (fine-tuning the active model; ml.train.WARM_LR its rate factor).
WARM_EPOCHS = 4


def examples_of(items: Sequence[ManifestItem], scored: bool = False) -> list[Any]:
    """Manifest items as training examples (the checksum keys the embedding). `scored`: as
    held-out works are scored, by the painter's own hand only ("attributed to X" keeps its
    date, not its painter)."""
    from heritage_desk.ml.data import Example

    return [
        Example(
            image_path=i.checksum,
            artist=None if scored and i.weight < 1 else i.artist,
            year=i.year,
            genre=i.genre,
            style=i.style,
            medium=i.medium,
            title=i.group or i.title,
            weight=i.weight,
        )
        for i in items
    ]


def starter_exemplars(tm: Any) -> tuple[list[Any], Any]:
    """The starter's exemplars as examples + embeddings, repeated up to EXEMPLAR_WEIGHT rows.

    A starter keeps a few exemplars per artist; a catalogue may hold hundreds of works of
    its own artists. Repeating the exemplars keeps the starter's artists from being drowned.
    """
    import numpy as np

    from heritage_desk.ml.exemplars import exemplar_examples

    ex, feats = exemplar_examples(tm)
    artists = {e.artist for e in ex if e.artist}
    if not ex or not artists:
        return [], None
    per_artist = len(ex) / len(artists)
    repeat = max(1, min(MAX_EXEMPLAR_REPEAT, round(EXEMPLAR_WEIGHT / per_artist)))
    return ex * repeat, np.concatenate([feats] * repeat)


def as_suggested(hold: Sequence[ManifestItem]) -> dict[str, Any]:
    """How each held-out work's suggestion would be made with its other field recorded: held
    to its painter's window (life dates) and dated by that painter when by their own hand."""
    from heritage_desk.core.names import OWN_HAND_WEIGHT

    return {
        "windows": [(i.window[0], i.window[1]) if i.window else None for i in hold],
        "dated_by": [i.artist if i.weight >= OWN_HAND_WEIGHT else None for i in hold],
    }


def measure_on_holdout(tm: Any, feats: Any, hold: Sequence[ManifestItem], trained: Any) -> Any:
    """The new model's stated figures measured on the works it held out: "none of the painters
    I know" (a held-out painter with no training work is one it does not know) and the year
    ranges; where too few held-out works exist, the starter's fit is kept."""
    import numpy as np

    from heritage_desk.core.names import parse_artist
    from heritage_desk.ml.evaluate import measure_reliability
    from heritage_desk.ml.predictor import Predictor

    seen = {parse_artist(e.artist).key for e in trained if e.artist}
    held = examples_of(hold, scored=True)
    novel = np.array([bool(e.artist) and parse_artist(e.artist).key not in seen for e in held])
    return measure_reliability(
        Predictor(tm), held, feats, novel, "catalogue", prior=tm.reliability, **as_suggested(hold)
    )


def load_embeddings(root: Path, items: Sequence[ManifestItem]) -> tuple[Any, Any]:
    """Mean over views of each item's cached vectors [N,D], and a mask of the items found.

    The parent names the files, so the child needs neither the cache's layout nor the
    embedding module (which would import torchvision: seconds of start-up saved).
    """
    import numpy as np

    rows: list[Any] = []
    found = np.zeros(len(items), dtype=bool)
    dim = 0
    for n, item in enumerate(items):
        vecs = []
        for rel in item.files:
            try:
                v = np.load(root / rel, allow_pickle=False)
            except (OSError, ValueError, EOFError):
                break
            if v.ndim != 1 or (dim and v.shape[0] != dim):
                break
            dim = dim or int(v.shape[0])
            vecs.append(v.astype(np.float32))
        if vecs and len(vecs) == len(item.files):
            found[n] = True
            rows.append(np.mean(vecs, axis=0))
        else:
            rows.append(None)
    out = np.zeros((len(items), dim), dtype=np.float32)
    for n, r in enumerate(rows):
        if r is not None:
            out[n] = r
    return out, found


def adaptive_epochs(n: int, batch_size: int, default: int) -> int:
    """The trainer's default epochs, or more for a small catalogue (about TARGET_STEPS steps).

    The default suits thousands of examples; a catalogue of a few hundred would get only a
    handful of optimiser steps from it. Capped at MAX_EPOCHS, so a retrain stays seconds.
    """
    steps = max(1, -(-n // batch_size))
    return max(default, min(MAX_EPOCHS, -(-TARGET_STEPS // steps)))
