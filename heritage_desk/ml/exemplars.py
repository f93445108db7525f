"""Compact exemplars stored in a checkpoint, so retraining keeps the artists it already knew."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from heritage_desk.ml.data import Example
from heritage_desk.ml.model import META_FIELDS
from heritage_desk.ml.trained import TrainedModel
from heritage_desk.ml.vocab import artist_key


def attach_exemplars(
    tm: TrainedModel,
    examples: Sequence[Example],
    embeddings: np.ndarray,
    per_artist: int = 8,
    seed: int = 0,
) -> None:
    """Store up to `per_artist` embeddings per artist (float16) with their labels in `tm`."""
    emb = np.asarray(embeddings, dtype=np.float32)
    if emb.ndim == 3:
        emb = emb.mean(axis=1)
    rng = np.random.default_rng(seed)
    by_artist: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        if e.artist:
            by_artist.setdefault(artist_key(e.artist), []).append(i)
    keep: list[int] = []
    for rows in by_artist.values():
        # Prefer rows with a known year, so the year head keeps its knowledge too.
        dated = [i for i in rows if examples[i].year is not None]
        pool = dated if len(dated) >= per_artist else rows
        keep += rng.choice(pool, size=min(per_artist, len(pool)), replace=False).tolist()
    keep.sort()
    sel = [examples[i] for i in keep]
    tm.extra_tensors["exemplar.features"] = torch.from_numpy(emb[keep]).half()
    tm.extra_tensors["exemplar.artist"] = torch.tensor(
        [tm.vocab.artists.index(a) if (a := _name(tm, e.artist)) else -1 for e in sel]
    )
    tm.extra_tensors["exemplar.year"] = torch.tensor([e.year or -1 for e in sel])
    tm.extra_tensors["exemplar.meta"] = tm.vocab.encode_meta(
        [{f: getattr(e, f) for f in META_FIELDS} for e in sel]
    )


def _name(tm: TrainedModel, artist: str | None) -> str | None:
    i = tm.vocab.artist_index(artist)
    return tm.vocab.artists[i] if i is not None else None


def exemplar_examples(tm: TrainedModel) -> tuple[list[Example], np.ndarray]:
    """The stored exemplars as training examples and embeddings (empty if there are none)."""
    feats = tm.extra_tensors.get("exemplar.features")
    if feats is None:
        return [], np.zeros((0, tm.model.config.feature_dim), dtype=np.float32)
    artist = tm.extra_tensors["exemplar.artist"].tolist()
    year = tm.extra_tensors["exemplar.year"].tolist()
    meta = tm.extra_tensors["exemplar.meta"].tolist()
    out = []
    for i in range(len(artist)):
        ctx = {
            f: (tm.vocab.meta[f][meta[i][j] - 1] if meta[i][j] > 0 else None)
            for j, f in enumerate(META_FIELDS)
        }
        out.append(
            Example(
                image_path=f"exemplar:{i}",
                artist=tm.vocab.artists[artist[i]] if artist[i] >= 0 else None,
                year=year[i] if year[i] >= 0 else None,
                genre=ctx["genre"],
                style=ctx["style"],
                medium=ctx["medium"],
                title=f"exemplar {i} of {tm.data_hash}",
            )
        )
    return out, feats.float().numpy()
