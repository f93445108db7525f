"""SHA-256 of a file's bytes: the one owner of the checksums recorded for images and models."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path


def file_sha256(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """The hex SHA-256 of a file's content, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=32)
def _memoised(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(path)


def file_sha256_memoised(path: str | os.PathLike[str]) -> str:
    """file_sha256, memoised on the file's size and mtime (a model is checked on every load)."""
    st = os.stat(path)
    return _memoised(str(Path(path)), st.st_size, st.st_mtime_ns)
