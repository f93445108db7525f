"""Hypothesis over whole imports: a random folder of good, broken and duplicate images with a
CSV whose rows name them, name missing files, or try to climb out. Every file and every row
ends up imported or named in the report; nothing valid is lost; a second import adds nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.importer import import_collection
from tests.fixtures import broken

EXAMPLES = max(8, int(os.environ.get("HERITAGE_FUZZ_EXAMPLES", "150")) // 15)

GOOD = {"jpg": broken.good_jpeg, "png": broken.good_png}
BAD = {
    "corrupt.jpg": broken.corrupt,
    "truncated.jpg": broken.truncated,
    "empty.png": broken.empty,
    "text.jpg": broken.non_image,
    "bomb.png": broken.bomb,
}
HOSTILE_ROWS = ["../x.jpg", "/etc/passwd", "a/../../b.jpg", "C:\\x.jpg", "missing.jpg"]

FILE = st.one_of(
    st.tuples(st.just("good"), st.sampled_from(sorted(GOOD))),
    st.tuples(st.just("bad"), st.sampled_from(sorted(BAD))),
    st.tuples(st.just("dup"), st.just("")),
)
TITLE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=15
).filter(lambda t: t.strip() == t)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # No shrinking: each example is a whole import, and the failing one is printed anyway.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    files=st.lists(FILE, min_size=1, max_size=12),
    titles=st.lists(TITLE, min_size=12, max_size=12),
    with_row=st.lists(st.booleans(), min_size=12, max_size=12),
    hostile=st.lists(st.sampled_from(HOSTILE_ROWS), max_size=3, unique=True),
)
def test_random_collections_import_completely_or_are_reported(
    tmp_path_factory,  # type: ignore[no-untyped-def]
    files: list[tuple[str, str]],
    titles: list[str],
    with_row: list[bool],
    hostile: list[str],
) -> None:
    root = tmp_path_factory.mktemp("fz")
    images = root / "images"
    images.mkdir()
    good: dict[str, str] = {}  # rel path -> title expected (or "")
    bad: set[str] = set()
    dups: set[str] = set()
    rows = [["file", "title"]]
    last_good: Path | None = None
    for i, (kind, name) in enumerate(files):
        sub = images / f"d{i % 3}"
        sub.mkdir(exist_ok=True)
        if kind == "good":
            p = GOOD[name](sub / f"{i}.{name}")
            last_good = p
        elif kind == "bad":
            p = BAD[name](sub / f"{i}-{name}")
            bad.add(p.relative_to(images).as_posix())
            continue
        else:
            if last_good is None:
                continue
            p = sub / f"{i}-copy{last_good.suffix}"
            shutil.copyfile(last_good, p)
            dups.add(p.relative_to(images).as_posix())
            continue
        rel = p.relative_to(images).as_posix()
        good[rel] = titles[i] if with_row[i] else ""
        if with_row[i]:
            rows.append([rel, titles[i]])
    rows += [[h, "hostile"] for h in hostile]
    meta = broken.write_csv(root / "m.csv", rows)
    with Catalogue.open(root / "c.sqlite") as cat:
        report = import_collection(cat, images, meta)
        assets = {a.image_path: a for a in cat.get_assets(cat.asset_ids())}
        again = import_collection(cat, images, meta)
        assert cat.count_assets() == len(assets)
    # Same content twice (a copy, or two generated files that came out identical): the first
    # in walk order is imported, every later one is skipped with a note naming the first.
    skipped = {w for w, r in report.notes if r.startswith("same content as")}
    assert set(good) | dups == set(assets) | skipped
    assert not set(assets) & skipped
    for rel, title in good.items():
        if rel in assets:
            assert (assets[rel].title or "") == title, rel
    problems = " | ".join(f"{w}: {r}" for w, r in report.problems)
    for rel in bad:
        assert rel in problems, f"{rel} not reported: {problems}"
    for i, h in enumerate(hostile, start=len(rows) - len(hostile) + 1):
        assert f"row {i}" in problems, f"hostile row {i} {h!r} not reported: {problems}"
    assert report.added == len(assets)
    assert again.added == 0 and again.updated == 0
