"""CLI verbs on the model: `suggest` (embed, predict, CSV) and `retrain`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from heritage_desk.cli import CliError, add_output, cannot_write, output_error, summary_stream

TOP_K = 5
CSV_COLUMNS = [
    "asset_id",
    "image_file",
    *[c for i in range(1, TOP_K + 1) for c in (f"artist_{i}", f"artist_{i}_probability")],
    "decade",
    "year_from",
    "year_to",
    "year_range_probability",
    "model_version",
    # New facts go in new columns (scripts written for the ones above keep working).
    "unknown_painter_probability",
    "artist_probability_source",
    "year_range_probability_source",
    # artist_N holds the painter; a suggested attribution ("attributed to") stands here.
    *[f"artist_{i}_qualifier" for i in range(1, TOP_K + 1)],
    # The date's single best year (median of its distribution; empty for older suggestions).
    "year_estimate",
]


def register(subparsers: Any) -> None:
    """Add the suggest, doubts and retrain verbs."""
    p = _verb(
        subparsers,
        "suggest",
        cmd_suggest,
        help="embed new images and suggest missing artists and dates",
        description="Embed images not embedded yet, compute suggestions for every asset that "
        "lacks an artist or a year, and optionally write them as CSV.",
    )
    add_output(p, "write one row per asset lacking a value (- for stdout)")

    p = _verb(
        subparsers,
        "doubts",
        cmd_doubts,
        help="list recorded artists the model strongly doubts (possible mistakes)",
        description="For every work whose record names a painter the model knows, the "
        "model's probability of that painter; list those below --below, most doubted first. "
        "Nothing is changed.",
    )
    p.add_argument("--below", type=float, default=0.05, help="doubt threshold (default 0.05)")
    add_output(p, "write them as CSV (- for stdout)")

    p = _verb(
        subparsers,
        "retrain",
        cmd_retrain,
        help="retrain the model on the catalogue's confirmed labels",
        description="Train a new model version on confirmed artists and dates (in a child "
        "process); it becomes active only if it is not worse on held-out items.",
    )
    p.add_argument("--epochs", type=int, help="training epochs (default: the trainer's)")
    p.add_argument("--no-refresh", action="store_true", help="do not recompute suggestions")


def _verb(
    subparsers: Any, name: str, func: Callable[[argparse.Namespace], int], **texts: str
) -> argparse.ArgumentParser:
    """A verb on a catalogue: its parser with the arguments every model verb takes."""
    p: argparse.ArgumentParser = subparsers.add_parser(name, **texts)
    p.add_argument("catalogue", metavar="CATALOGUE", help="catalogue file or SQLAlchemy URL")
    p.add_argument("--images", metavar="DIR", help="folder the images were imported from")
    p.add_argument(
        "--threads",
        type=int,
        help="threads for the network (default: every core to embed and suggest, "
        "cores - 1 to retrain)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=func)
    return p


@contextmanager
def _services(args: argparse.Namespace) -> Iterator[Any]:
    """An open catalogue and its SuggestionService; CliError with one line on failure."""
    from heritage_desk import config
    from heritage_desk.ml.checkpoint import CheckpointError
    from heritage_desk.ml.runtime import all_cores
    from heritage_desk.services.feature_cache import FeatureCacheError
    from heritage_desk.services.suggestions import ModelUnavailableError, SuggestionService
    from heritage_desk.storage.catalogue import Catalogue
    from heritage_desk.storage.errors import CatalogueError

    try:
        cat = Catalogue.open(args.catalogue, create=False)
    except CatalogueError as exc:
        raise CliError(str(exc)) from None
    try:
        paths = config.paths(getattr(args, "data_dir", None))
        yield SuggestionService(
            cat,
            cache_dir=paths.embeddings,
            images_root=args.images,
            num_threads=args.threads or all_cores(),  # no window here to leave a core for
            paths=paths,  # --data-dir: where a shared catalogue's models are cached
        )
    except (CatalogueError, CheckpointError, ModelUnavailableError, FeatureCacheError) as exc:
        raise CliError(str(exc)) from None
    finally:
        cat.close()


def _progress(args: argparse.Namespace) -> Any:
    from heritage_desk.core.progress import Progress, no_progress

    if args.quiet or not sys.stderr.isatty():
        return no_progress
    last = [""]

    def report(p: Progress) -> None:
        counted = f"{p.done:,}/{p.total:,}" in p.message  # the embedder's, with rate and ETA
        line = f"\r{p.message}" if counted else f"\r{p.message}: {p.done}/{p.total}"
        if line != last[0]:
            last[0] = line
            sys.stderr.write(line + "\x1b[K")
            sys.stderr.flush()

    return report


@contextmanager
def _ctrl_c_cancels() -> Iterator[Any]:
    """A CancelToken that Ctrl-C sets: the batch in flight finishes and is kept, then it stops."""
    import signal
    import threading

    from heritage_desk.core.progress import CancelToken

    token = CancelToken()
    if threading.current_thread() is not threading.main_thread():
        yield token
        return
    previous = signal.signal(signal.SIGINT, lambda *_: token.cancel())
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)


def _clear_progress(args: argparse.Namespace) -> None:
    if not args.quiet and sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")


def _no_model() -> CliError:
    from heritage_desk.services.suggestions import STARTER_NAME

    return CliError(
        "no model to suggest with: this catalogue has no trained model and the starter model "
        f"(resources/models/{STARTER_NAME}) is missing; run `heritage-desk retrain` first"
    )


def cmd_suggest(args: argparse.Namespace) -> int:
    """`suggest CATALOGUE [--out FILE.csv]`."""
    from heritage_desk.ml.checkpoint import CheckpointError
    from heritage_desk.services.outputs import OutputPathError, guard_output

    with _services(args) as svc:
        try:
            if args.out:  # before minutes of embedding, and never onto the catalogue
                guard_output(svc.catalogue, args.out, header=CSV_COLUMNS, force=args.force)
            if svc.predictor() is None:
                raise _no_model()
            with _ctrl_c_cancels() as cancel:
                report = svc.embed_missing(_progress(args), cancel)
            if report.cancelled:
                _clear_progress(args)
                print(
                    f"cancelled: {report.embedded} images embedded and kept; "
                    "run the same command again to go on from there",
                    file=sys.stderr,
                )
                return 130
            svc.refresh(_progress(args), embed=False, stale_only=True)
        except OutputPathError as exc:
            raise output_error(exc) from None
        except CheckpointError as exc:
            raise CliError(str(exc)) from None
        _clear_progress(args)
        for path, reason in report.failed:
            print(f"not embedded: {path}: {reason}", file=sys.stderr)
        rows = _rows(svc)
        if args.out:
            try:
                _write_csv(args.out, rows)
            except OSError as exc:
                raise cannot_write(args.out, exc) from None
        model = svc.current_model()
        summary = summary_stream(args.out)
        print(f"model: {model.version if model else '-'}", file=summary)
        print(f"embedded: {report.embedded} new, {report.already} already", file=summary)
        print(f"assets lacking artist or year: {len(rows)}", file=summary)
        if args.out:
            print(f"wrote {args.out}", file=summary)
    return 1 if report.failed else 0


def _rows(svc: Any) -> list[list[str]]:
    """One CSV row per asset that needs an artist or a date, with its suggestions."""
    from heritage_desk.core.model import PREDICTED_FIELDS, UNKNOWN_ARTIST, Field, needs_value
    from heritage_desk.core.names import split_qualifier

    rows = []
    for asset in svc.all_assets():
        if not any(needs_value(asset, f) for f in PREDICTED_FIELDS):
            continue
        sugg = svc.catalogue.suggestions(asset.id)
        artists = [s for s in sugg if s.field == Field.ARTIST][:TOP_K]
        dates = [s for s in sugg if s.field == Field.DATE]
        row = [str(asset.id), str(svc.image_file(asset))]
        split = [split_qualifier(s.value) for s in artists]
        for i in range(TOP_K):
            s = artists[i] if i < len(artists) else None
            row += [split[i][1], f"{s.probability:.4f}"] if s else ["", ""]
        d = dates[0] if dates else None
        row += (
            [d.value, str(d.year_from or ""), str(d.year_to or ""), f"{d.probability:.4f}"]
            if d
            else ["", "", "", ""]
        )
        versions = {s.model_version for s in sugg}
        row.append(";".join(sorted(versions)))
        unknown = next((s for s in artists if s.value == UNKNOWN_ARTIST), None)
        row += [f"{unknown.probability:.4f}" if unknown else "", *svc.figure_sources(sugg)]
        row += [(split[i][0] or "") if i < len(split) else "" for i in range(TOP_K)]
        row.append(str(d.year_estimate) if d is not None and d.year_estimate is not None else "")
        rows.append(row)
    return rows


def _write_csv(out: str, rows: list[list[str]], columns: list[str] = CSV_COLUMNS) -> None:
    """Write atomically (or to stdout, a device, a FIFO: core.outputs.write_csv), creating
    the folder."""
    from heritage_desk.core.outputs import STDOUT, write_csv

    if out != STDOUT:
        Path(out).expanduser().parent.mkdir(parents=True, exist_ok=True)
    write_csv(out, columns, rows)


DOUBT_COLUMNS = [
    "asset_id",
    "image_file",
    "recorded_artist",
    "recorded_probability",
    "model_alternative",
    "model_alternative_probability",
]


def cmd_doubts(args: argparse.Namespace) -> int:
    """`doubts CATALOGUE`: recorded artists the model gives less than --below."""
    from heritage_desk.services.doubts import possible_mistakes
    from heritage_desk.services.outputs import OutputPathError, guard_output

    if not 0 < args.below <= 1:
        raise CliError(f"--below: {args.below} is not a probability in (0, 1]")
    with _services(args) as svc:
        try:
            if args.out:
                guard_output(svc.catalogue, args.out, header=DOUBT_COLUMNS, force=args.force)
            if svc.predictor() is None:
                raise _no_model()
            report = svc.embed_missing(_progress(args))
            doubts = possible_mistakes(svc, args.below)
        except OutputPathError as exc:
            raise output_error(exc) from None
        _clear_progress(args)
        for path, reason in report.failed:
            print(f"not embedded: {path}: {reason}", file=sys.stderr)
        rows = [
            [
                str(d.asset_id),
                str(svc.image_file(svc.catalogue.get_asset(d.asset_id))),
                d.recorded,
                f"{d.recorded_probability:.4f}",
                d.alternative,
                f"{d.alternative_probability:.4f}",
            ]
            for d in doubts
        ]
        if args.out:
            try:
                _write_csv(args.out, rows, DOUBT_COLUMNS)
            except OSError as exc:
                raise cannot_write(args.out, exc) from None
        summary = summary_stream(args.out)
        if not args.out:
            for d in doubts:
                print(
                    f"#{d.asset_id} {d.image_path}: recorded {d.recorded!r} "
                    f"{d.recorded_probability:.0%}; the model: {d.alternative} "
                    f"{d.alternative_probability:.0%}"
                )
        print(f"possible mistakes: {len(doubts)} below {args.below:.0%}", file=summary)
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    """`retrain CATALOGUE`: train, validate, activate or keep; print what happened."""
    from heritage_desk.services.retrain import RetrainBusyError, RetrainService, RetrainSettings

    settings = RetrainSettings(num_threads=args.threads, epochs=args.epochs)
    with _services(args) as svc:
        service = RetrainService(svc.catalogue, svc, settings=settings)
        try:
            service.ensure_not_running()  # before embedding, which can take minutes
            svc.embed_missing(_progress(args))
            result = service.retrain(_progress(args), refresh=not args.no_refresh)
        except (ValueError, RetrainBusyError) as exc:
            raise CliError(str(exc)) from None
        _clear_progress(args)
        if result.version is not None:
            print(f"version: {result.version.version}")
        print(f"status: {result.status}")
        print(f"reason: {result.reason}")
        for k, v in sorted(result.metrics.items()):
            base = (result.baseline or {}).get(k)
            print(
                f"holdout {k}: {v:.4f}"
                + (f" (active model: {base:.4f})" if base is not None else "")
            )
        print(f"seconds: {result.seconds:.1f}")
    return 1 if result.status.made_no_model else 0
