"""Hypothesis fuzzing of date and name parsing, CSV safety, the CSV reader, images and import.

Properties: no crash (only the documented error types), every rejected item is reported, and
nothing valid is lost. HERITAGE_FUZZ_EXAMPLES raises the example count (`make reliability`).
"""

from __future__ import annotations

import csv
import io
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from heritage_desk.core.csvsafe import TRIGGERS, is_plain_number, neutralise, restore
from heritage_desk.core.dates import circa_margin, parse_date, parse_years
from heritage_desk.core.names import parse_artist, same_person
from heritage_desk.storage.csv_input import CsvError, read_metadata
from heritage_desk.storage.images import ImageFacts, ImageProblem, inspect_image
from tests.fixtures import broken

EXAMPLES = int(os.environ.get("HERITAGE_FUZZ_EXAMPLES", "150"))
FEW = max(10, EXAMPLES // 10)
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
fuzz_few = settings(
    max_examples=FEW,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Text that looks like what museums type, plus everything else Unicode has.
DATEISH = st.one_of(
    st.text(),
    st.text(alphabet=string.digits + " -/–c.ca?sthndrlyaftebo,", max_size=30),
    st.builds(
        lambda p, y, s: f"{p}{y}{s}",
        st.sampled_from(["", "c. ", "ca. ", "about ", "after ", "before ", "early ", "late "]),
        st.integers(0, 2100),
        st.sampled_from(["", "s", "/80", "-1905", "–12", " BCE", "th century", "?"]),
    ),
)


@fuzz
@given(DATEISH)
def test_parse_date_never_crashes_and_keeps_the_text(text: str) -> None:
    d = parse_date(text)
    if d is not None:
        assert d.year_from <= d.year_to
        assert d.text == " ".join(text.split())
        assert parse_years(text) == d.years


@fuzz
@given(st.integers(1000, 2025), st.sampled_from(["{}", "c. {}", "ca. {}", "{}?", "about {}"]))
def test_a_written_year_is_found(year: int, form: str) -> None:
    # "c. 1710" is the CCO range 1705-1715 around the written year; the others are the year.
    pad = circa_margin(year) if form.startswith(("c", "about")) else 0
    assert parse_years(form.format(year)) == (year - pad, year + pad)


@fuzz
@given(st.integers(1000, 2020), st.integers(1, 30))
def test_a_range_covers_both_years(start: int, span: int) -> None:
    end = start + span
    assert parse_years(f"{start}-{end}") == (start, end)
    assert parse_years(f"{start}–{str(end)[-2:]}") == (start, end) or end // 100 != start // 100


#: A personal name part as people write them (capital, then lower case; no "II", "van").
NAME = st.from_regex(r"[A-Z][a-zéèöüçñ]{2,10}", fullmatch=True).filter(
    lambda s: s.lower() not in {"van", "von", "der", "den", "del", "della", "the", "and"}
)


@fuzz
@given(st.text())
def test_parse_artist_never_crashes(text: str) -> None:
    ref = parse_artist(text)
    assert ref.written == " ".join(text.split())
    assert ref.key == ref.key.strip()


@fuzz
@given(NAME, NAME)
def test_spellings_of_one_person_share_a_key(first: str, last: str) -> None:
    plain = parse_artist(f"{first} {last}")
    assume(plain.is_person and plain.qualifier is None)
    assert same_person(f"{first} {last}", f"{last.upper()}, {first}")
    assert same_person(f"{first} {last}", f"{first.lower()} {last.lower()}")
    after = parse_artist(f"After {first} {last}")
    assert after.qualifier == "after" and after.key == plain.key


@fuzz
@given(st.text())
def test_neutralise_is_safe_and_restore_inverts_it(cell: str) -> None:
    out = neutralise(cell)
    assert restore(out) == cell
    if out and out[0] in TRIGGERS:
        assert is_plain_number(out)


@fuzz
@given(st.lists(st.sampled_from([*sorted(TRIGGERS), "'", "a", "1", "SUM(A1)", "|"]), max_size=8))
def test_formula_shapes_round_trip(parts: list[str]) -> None:
    cell = "".join(parts)
    assert restore(neutralise(cell)) == cell


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@fuzz_few
@given(data=st.binary(max_size=2000))
def test_read_metadata_on_random_bytes_fails_only_cleanly(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path / "random.csv", data)
    try:
        table = read_metadata(path)
    except CsvError as exc:
        assert "\n" not in str(exc)
        return
    for p in table.problems:
        assert "\n" not in str(p)


CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=20,
)


@fuzz_few
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=15),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    broken_rows=st.sets(st.integers(0, 14), max_size=4),
)
# Found by this test: a ragged row with a quoted multi-line cell; its tail was read as a row.
@example(rows=[["", "\n0", ""]], delimiter=",", encoding="utf-8", broken_rows={0})
def test_every_csv_row_is_kept_or_reported(
    tmp_path: Path,
    rows: list[list[str]],
    delimiter: str,
    encoding: str,
    broken_rows: set[int],
) -> None:
    """Quoted hostile cells survive exactly; a row made ragged is reported, not guessed."""
    assume(any(any(c.strip() for c in r) for r in rows))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    w.writerow(["file", "artist", "title"])
    expected: dict[int, list[str]] = {}
    ragged: set[int] = set()
    line = 2
    for i, r in enumerate(rows):
        if i in broken_rows:
            w.writerow([*r, "extra"])
            ragged.add(line)
        else:
            w.writerow(r)
            if any(c.strip() for c in r):
                expected[line] = r
        line += 1 + sum(c.count("\n") for c in r)
    path = _write(tmp_path / "m.csv", buf.getvalue().encode(encoding))
    table = read_metadata(path)
    got = {
        row.row: [row.cells["file"], row.cells["artist"], row.cells["title"]] for row in table.rows
    }
    assert got == expected
    reported = {p.row for p in table.problems if p.row is not None}
    assert ragged <= reported


def _seed_images(tmp: Path) -> list[bytes]:
    jpg = broken.jpeg_bytes((40, 30))
    png = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(png, "PNG")
    gif = tmp / "a.gif"
    broken.animated_gif(gif)
    return [jpg, png.getvalue(), gif.read_bytes()]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    return _seed_images(tmp_path_factory.mktemp("seeds"))


@fuzz_few
@given(
    which=st.integers(0, 2),
    edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12),
    cut=st.one_of(st.none(), st.integers(0, 10_000)),
)
def test_inspect_image_on_mutated_files_fails_only_cleanly(
    tmp_path: Path, seeds: list[bytes], which: int, edits: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(seeds[which])
    for pos, value in edits:
        data[pos % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    path = _write(tmp_path / "x.img", bytes(data))
    try:
        facts = inspect_image(path)
    except ImageProblem as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(facts, ImageFacts) and facts.width > 0 and facts.height > 0
