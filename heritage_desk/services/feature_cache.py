"""The feature cache as the services use it: a write that fails (a full disk, a read-only
folder) is one FeatureCacheError line naming the file, never an OSError traceback."""

from __future__ import annotations

import numpy as np

from heritage_desk.ml.embeddings import EmbeddingCache


class FeatureCacheError(Exception):
    """The feature cache cannot be written: one line naming the file and what to do."""


class CheckedCache(EmbeddingCache):
    """An EmbeddingCache whose failed writes raise FeatureCacheError (the temp file is gone,
    no partial .npy is left: core.atomic)."""

    def put(self, checksum: str, backbone: str, view: str, vector: np.ndarray) -> None:
        try:
            super().put(checksum, backbone, view, vector)
        except OSError as exc:
            raise FeatureCacheError(
                f"cannot write the feature cache {self.path(checksum, backbone, view)}: "
                f"{exc.strerror or exc}; free space on that disk, or keep the cache elsewhere "
                "with --data-dir (what was embedded so far is kept: running again goes on "
                "from there)"
            ) from exc
