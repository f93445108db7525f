"""Embed a dataset folder into the cache: python -m training.embed --data DIR --backbone B."""

from __future__ import annotations

import argparse
import time

from training.data import DEFAULT_CACHE, embed_examples, read_examples


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True)
    p.add_argument("--subset-file")
    p.add_argument("--subset")
    p.add_argument("--backbone", default="lite0-ms")
    p.add_argument("--views", default="full", help="comma-separated: full,flip")
    p.add_argument("--cache", default=str(DEFAULT_CACHE))
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 leaves a core free)")
    a = p.parse_args(argv)
    ex = read_examples(a.data, a.subset_file, a.subset)
    t0 = time.perf_counter()
    for v in a.views.split(","):  # one view at a time, so each is usable as soon as it is done
        emb = embed_examples(ex, a.backbone, (v,), a.cache, threads=a.threads)
        print(f"{a.backbone}/{v}: {emb.shape} in {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
