"""The CLI dispatcher: the GUI is the default verb; top-level options stay in front."""

from __future__ import annotations

import pytest

from heritage_desk import __version__
from heritage_desk.cli import _with_default_verb, build_parser, main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["gui"]),
        (["--demo"], ["gui", "--demo"]),
        (["cat.sqlite"], ["gui", "cat.sqlite"]),
        (["-v", "--data-dir", "D", "--demo"], ["-v", "--data-dir", "D", "gui", "--demo"]),
        (["--data-dir=D", "info", "c"], ["--data-dir=D", "info", "c"]),
        (["info", "c"], ["info", "c"]),
        (["--version"], ["--version"]),
    ],
)
def test_default_verb_is_inserted_where_the_verb_goes(argv: list[str], expected: list[str]) -> None:
    assert _with_default_verb(build_parser(), argv) == expected


def test_version_names_the_release(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out
