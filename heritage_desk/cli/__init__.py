"""Command-line verbs. Each verb lives in its own module with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

#: Modules that add verbs; a verb sets `func(args) -> int` on its parser.
VERB_MODULES = (
    "heritage_desk.cli.catalogue_verbs",  # import, export, info
    "heritage_desk.cli.format_verbs",  # export-met, export-lido, export-dc
    "heritage_desk.cli.model_verbs",  # suggest, retrain
    "heritage_desk.cli.check_verb",  # check
    "heritage_desk.cli.gui_verb",  # gui
)


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 1 (or `status`)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def output_error(exc: Exception) -> CliError:
    """A refused output path (core.outputs.OutputPathError) as one line, hinting --force."""
    hint = (
        "; choose another name, or pass --force to replace it" if getattr(exc, "force", 0) else ""
    )
    return CliError(f"{exc}{hint}")


def add_output(p: argparse.ArgumentParser, help: str, *, required: bool = False,
               metavar: str = "FILE.csv") -> None:  # fmt: skip
    """`--out FILE` and `--force` (replace a file that is not one we wrote), one meaning for
    every verb that writes a file; the path is guarded by services.outputs.guard_output."""
    p.add_argument("--out", required=required, metavar=metavar, help=help)
    p.add_argument("--force", action="store_true", help="replace a file that is not ours")


#: errno values that mean "no room": a full disk (ENOSPC), a file-size limit (EFBIG), a quota.
_NO_ROOM = (28, 27, 122)
#: errno values that mean "not allowed here": permission, a read-only file system.
_NOT_ALLOWED = (13, 1, 30)


def cannot_write(out: object, exc: OSError, option: str = "--out") -> CliError:
    """An OSError while writing `out` as one line: the file, why, and what to do (the atomic
    writers have already removed their temp file and kept any old file whole)."""
    hint = ""
    if exc.errno in _NO_ROOM:
        hint = f"; free space on that disk or choose another {option} (nothing was replaced)"
    elif exc.errno in _NOT_ALLOWED:
        hint = f"; choose another {option} in a folder you can write to"
    return CliError(f"cannot write {out}: {exc.strerror or exc}{hint}")


def summary_stream(out: str | None) -> TextIO:
    """Where a verb's summary goes: stderr when its file is standard output ("-")."""
    return sys.stderr if out == "-" else sys.stdout


class _VersionAction(argparse.Action):
    """`--version`: the app, the model and its licence, and the main components."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kw: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from heritage_desk.about import version_text

        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heritage-desk",
        description="Suggest missing artists and dates for a painting collection.",
    )
    parser.add_argument(
        "--version", action=_VersionAction, help="show the version, the model and its licence"
    )
    parser.add_argument("--data-dir", help="keep data, cache and logs under this folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in VERB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # the verb is not written yet
                continue
            raise
        module.register(sub)
    return parser


def _with_default_verb(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Insert `gui` where the verb would be, when none is given: the GUI is the default."""
    verbs: set[str] = set()
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        verbs.update(getattr(action, "choices", None) or {})
    i = 0
    while i < len(argv):
        if argv[i] in ("-h", "--help", "--version"):
            return argv
        if argv[i] == "--data-dir":  # the only top-level option with a value
            i += 2
        elif argv[i] in ("-v", "--verbose") or argv[i].startswith("--data-dir="):
            i += 1
        else:
            break
    if i < len(argv) and argv[i] in verbs:
        return argv
    return [*argv[:i], "gui", *argv[i:]]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(_with_default_verb(parser, argv))
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from heritage_desk.core.redact import redact, redact_handlers

    redact_handlers()  # a URL's password never reaches stderr
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # here, not at exit: a closed pipe is handled below
        return status
    except BrokenPipeError:
        # `heritage-desk info ... | head -1`: the reader has gone; end as quietly as `cat` does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a program a pipe ended
    except CliError as exc:
        print(f"heritage-desk: error: {redact(str(exc))}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("heritage-desk: interrupted", file=sys.stderr)
        return 130
