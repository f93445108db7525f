"""Decode overlapped with the forward pass: worker threads decode, the caller runs the batches.

Threads, not processes: Pillow's decoders and resizes and ONNX Runtime / torch all release the
GIL, so decode threads and the forward pass run on both cores at once, nothing is pickled,
and no process is forked after torch started its threads (ARCHITECTURE.md). The window of
images decoded ahead is bounded (`ahead`), so memory stays that of a few small images.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from heritage_desk.core.progress import CancelToken
from heritage_desk.ml.runtime import all_cores

#: Decode one item (by index) into one uint8 [H,W,3] array per view; raises ImageLoadError.
Decode = Callable[[int], list[np.ndarray]]


def default_decode_workers() -> int:
    """One decode thread per core, up to 8, whatever the forward pass takes.

    The threads sleep on the bounded window when the forward pass is the slower stage (small
    files), and share its core when decoding is (a 4,000-px JPEG costs about twice its forward
    pass): on 2 cores, 64 museum JPEGs went from 51 images/s with one decode thread to 64 with
    two, WikiArt's 224-px files from 99.5 to 102 (docs/benchmarks.md, issue 14).
    """
    return all_cores()


@dataclass
class Decoded:
    """One batch, decoded: the item indices, one [B,H,W,3] array per view, and the failures."""

    items: list[int]
    views: list[np.ndarray]
    failed: list[tuple[int, Exception]]


def decoded_batches(
    items: Sequence[int],
    decode: Decode,
    batch_size: int,
    workers: int = 1,
    cancel: CancelToken | None = None,
) -> Iterator[Decoded]:
    """Batches of decoded items in order, decoding up to two batches ahead on `workers` threads.

    Cancellation is checked before each batch; pending decodes are dropped on exit.
    """
    ahead = max(2 * batch_size, workers)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed-decode")
    pending: deque[tuple[int, Future[list[np.ndarray]]]] = deque()
    it = iter(items)
    try:

        def fill() -> None:
            while len(pending) < ahead:
                i = next(it, None)
                if i is None:
                    return
                pending.append((i, pool.submit(decode, i)))

        fill()
        while pending:
            if cancel is not None:
                cancel.raise_if_cancelled()
            ok: list[int] = []
            arrays: list[list[np.ndarray]] = []
            failed: list[tuple[int, Exception]] = []
            while pending and len(ok) + len(failed) < batch_size:
                i, fut = pending.popleft()
                try:
                    arrays.append(fut.result())
                    ok.append(i)
                except Exception as exc:  # the caller decides which errors are per-file
                    failed.append((i, exc))
                fill()
            views = [np.stack(v) for v in zip(*arrays, strict=True)] if arrays else []
            yield Decoded(ok, views, failed)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
