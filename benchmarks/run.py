"""Run every benchmark module and write bench-results/results.{md,json}."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import traceback
from pathlib import Path

import benchmarks
from benchmarks.common import Result

OUT = Path(__file__).resolve().parents[1] / "bench-results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="module names to run (default: all bench_*)")
    args = parser.parse_args(argv)
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    if args.only:
        names = [n for n in names if any(o in n for o in args.only)]
    results: list[Result] = []
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            for r in module.run():
                print(f"   {r.name}: {r.value:.4g} {r.unit} (goal {r.goal})", flush=True)
                results.append(r)
        except Exception:
            traceback.print_exc()
            failed.append(name)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps([r.as_dict() for r in results], indent=2))
    lines = ["| figure | value | goal | met | command |", "| --- | --- | --- | --- | --- |"]
    for r in results:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        lines.append(f"| {r.name} | {r.value:.4g} {r.unit} | {r.goal} | {met} | `{r.command}` |")
    (OUT / "results.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT / 'results.md'}")
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
