"""The import, export and info verbs, through cli.main and one real child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from heritage_desk import cli
from tests.fixtures import broken
from tests.fixtures.broken import write_csv


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def collection(tmp_path: Path) -> tuple[Path, Path]:
    img = tmp_path / "img"
    broken.good_jpeg(img / "a.jpg")
    broken.good_jpeg(img / "b.jpg")
    broken.corrupt(img / "bad.jpg")
    meta = write_csv(tmp_path / "m.csv", [
        ["file", "Maker", "When", "title"],
        ["a.jpg", "Claude Monet", "c. 1874", "=1+2"],
        ["b.jpg", "", "", "B"],
        ["gone.jpg", "X", "1900", "G"],
    ])  # fmt: skip
    return img, meta


def test_import_info_export(catalogue_url: str, collection: tuple[Path, Path], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    img, meta = collection
    status, out, err = _run(capsys, "import", catalogue_url, "--images", str(img),
                            "--metadata", str(meta), "--map", "artist=Maker",
                            "--map", "date=When")  # fmt: skip
    assert status == 0, err
    lines = out.splitlines()
    assert "added: 2" in lines and "problems: 2" in lines
    assert any(ln.startswith("problem: bad.jpg: ") for ln in lines)
    assert any(ln.startswith("problem: m.csv row 4: file 'gone.jpg' not found") for ln in lines)
    assert "Traceback" not in out + err
    status, out, _ = _run(capsys, "info", catalogue_url)
    assert status == 0
    assert out.splitlines() == [
        "assets: 2", "with artist: 1", "without artist: 1", "with year: 1", "without year: 1",
        "pending suggestions: 0",
    ]  # fmt: skip
    csv_out = tmp_path / "out.csv"
    status, out, _ = _run(capsys, "export", catalogue_url, "--out", str(csv_out), "--bom")
    assert status == 0 and "exported 2 assets" in out
    text = csv_out.read_text(encoding="utf-8-sig")
    assert "'=1+2" in text and "c. 1874" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["info", "{tmp}/none.sqlite"], "no catalogue at"),
        (["export", "{tmp}/none.sqlite", "--out", "{tmp}/x.csv"], "no catalogue at"),
        (["import", "{tmp}/c.sqlite", "--images", "{tmp}/nope"], "no such images folder"),
        (["import", "{tmp}/c.sqlite", "--images", "{tmp}", "--map", "colour=x"], "unknown field"),
        (["import", "{tmp}/c.sqlite", "--images", "{tmp}", "--metadata", "{tmp}/no.csv"],
         "no such file"),
        (["info", "{tmp}"], "is a folder"),
        (["info", "{tmp}/junk.sqlite"], "not a heritage_desk catalogue"),
    ],
)  # fmt: skip
def test_errors_are_one_line(argv: list[str], message: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    (tmp_path / "junk.sqlite").write_bytes(b"this is not sqlite" * 100)
    status, _, err = _run(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert status == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("heritage-desk: error: ") and message in err


def test_child_process(tmp_path: Path, collection: tuple[Path, Path]) -> None:
    img, meta = collection
    cat = str(tmp_path / "c.sqlite")
    run = [sys.executable, "-m", "heritage_desk"]
    done = subprocess.run([*run, "import", cat, "--images", str(img), "--metadata", str(meta)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "added: 2" in done.stdout
    done = subprocess.run([*run, "info", cat], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("assets: 2\n")
    done = subprocess.run([*run, "info", str(tmp_path / "none.sqlite")], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"heritage-desk: error: no catalogue at {tmp_path / 'none.sqlite'}"
    ]
