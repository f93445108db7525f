"""Code planted where the retrain child starts (issue 16 item 4): a `json.py` in the working
folder, or on PYTHONPATH, must never run in the child, and the child must still find the
installed package (a venv here; the PyInstaller bundle runs it through bundle_entry).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from heritage_desk.services.retrain_job import CHILD_MODULE, RetrainJob


def _plant(folder: Path, marker: Path) -> None:
    """Modules the child imports (json, numpy) and one Python runs at start (sitecustomize)."""
    folder.mkdir(parents=True, exist_ok=True)
    code = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    for name in ("json", "numpy", "sitecustomize", "usercustomize", "heritage_desk"):
        (folder / f"{name}.py").write_text(code, encoding="utf-8")


def test_hostile_modules_in_the_working_folder_never_run_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "PWNED"
    share = tmp_path / "share"
    _plant(share, marker)
    other = tmp_path / "on-path"
    _plant(other, marker)
    monkeypatch.chdir(share)  # as the GUI's auto-retrain inherits the GUI's folder
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(other), ".", ""]))
    monkeypatch.setenv("PYTHONSTARTUP", str(share / "json.py"))
    monkeypatch.setenv("PYTHONSAFEPATH", "")
    job = RetrainJob()
    job.start()
    assert job._proc is not None and job._proc.stdin is not None
    job._proc.stdin.close()  # a spare child without its manifest exits 0 after its imports
    rc = job._proc.wait(120)
    err = "".join(job._stderr)
    assert not marker.exists(), f"planted code ran in the child: {marker.read_text()}"
    assert rc == 0, f"the child did not start cleanly ({rc}): {err[-2000:]}"
    args = job.command()
    if not getattr(sys, "frozen", False):
        assert "-I" in args or "-P" in args, args
    assert job.cwd is not None and Path(job.cwd).resolve() != share.resolve()


def test_the_bundle_runs_the_child_module_without_python_flags(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """installer/bundle_entry.py reads `-m heritage_desk.X` right after the program name, so a
    frozen program gets no interpreter flags (its sys.path never holds the working folder)."""
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert RetrainJob().command()[1:] == ["-m", CHILD_MODULE, "-"]
