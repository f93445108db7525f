"""Retraining with a base model's exemplars adds new artists without forgetting old ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from heritage_desk.ml import (
    Example,
    Predictor,
    TrainConfig,
    load_checkpoint,
    save_checkpoint,
    train_head,
)
from heritage_desk.ml.exemplars import attach_exemplars, exemplar_examples
from tests.unit.test_ml_model import toy

FAST = TrainConfig(epochs=15, shared_hidden=64, meta_hidden=16, batch_size=64, num_threads=1)


def test_retrain_keeps_base_artists(tmp_path: Path) -> None:
    ex, x = toy(n=800, k=6)
    old = [i for i, e in enumerate(ex) if e.artist not in ("Artist 4", "Artist 5")]
    new = [i for i, e in enumerate(ex) if e.artist in ("Artist 4", "Artist 5")]
    base = train_head([ex[i] for i in old], x[old], FAST)
    attach_exemplars(base, [ex[i] for i in old], x[old], per_artist=10)
    path = save_checkpoint(base, tmp_path / "base.safetensors", half=True)
    loaded = load_checkpoint(path)
    ex_b, x_b = exemplar_examples(loaded)
    assert len(ex_b) == 40 and x_b.shape == (40, x.shape[1])
    assert {e.artist for e in ex_b} == {"Artist 0", "Artist 1", "Artist 2", "Artist 3"}
    catalogue = [
        Example(ex[i].image_path, ex[i].artist.upper() if ex[i].artist else None) for i in new[:60]
    ]
    tm = train_head(
        catalogue + ex_b, np.concatenate([x[new[:60]], x_b]), FAST, base_vocab=loaded.vocab
    )
    assert tm.vocab.artists[:4] == loaded.vocab.artists  # old indices kept
    p = Predictor(tm)
    test_old = old[-100:]
    hits = [p.predict(x[i]).artists[0].artist == ex[i].artist for i in test_old]
    assert np.mean(hits) >= 0.8  # without exemplars it would be 0: those artists are gone
    hits_new = [p.predict(x[i]).artists[0].artist.lower() == ex[i].artist.lower() for i in new[60:]]
    assert np.mean(hits_new) > 0.9


def test_a_museum_line_trains_the_painter_the_model_knows_not_a_second_class(
    tmp_path: Path,
) -> None:
    """A catalogue writes "Artist 0 (French, 1840–1926)"; the starter says "Artist 0". Matched
    by spelling alone they were two classes that fought over the same works: on the AIC
    records a retrain dropped the starter's Monet below "none of the painters I know"."""
    ex, x = toy(n=800, k=6)
    old = [i for i, e in enumerate(ex) if e.artist not in ("Artist 4", "Artist 5")]
    base = train_head([ex[i] for i in old[:400]], x[old[:400]], FAST)
    attach_exemplars(base, [ex[i] for i in old[:400]], x[old[:400]], per_artist=10)
    loaded = load_checkpoint(save_checkpoint(base, tmp_path / "base.safetensors"))
    ex_b, x_b = exemplar_examples(loaded)
    rows = list(range(400, 600))  # old and new artists, as the museum writes them
    catalogue = [Example(ex[i].image_path, f"{ex[i].artist} (French, 1840–1926)") for i in rows]
    tm = train_head(catalogue + ex_b, np.concatenate([x[rows], x_b]), FAST, start=loaded)
    assert tm.vocab.artists[:4] == loaded.vocab.artists
    assert len(tm.vocab.artists) == 6  # Artist 4 and Artist 5 are new; 0-3 are not added again
    assert tm.vocab.artist_index("Artist 2 (French, 1840–1926)") == loaded.vocab.artist_index(
        "Artist 2"
    )
    p = Predictor(tm)
    test_old = [i for i in range(600, 800) if ex[i].artist in loaded.vocab.artists]
    hits = [p.predict(x[i]).artists[0].artist == ex[i].artist for i in test_old]
    assert np.mean(hits) >= 0.9
