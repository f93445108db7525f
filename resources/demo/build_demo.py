"""Build resources/demo/ from the CC0 aic-demo dataset: images plus a museum-style metadata CSV.

About 40% of the artists and 40% of the dates are left blank, chosen deterministically (the
famous Impressionists always lose their artist), so that the model's suggestions have work to
do. Run: `python resources/demo/build_demo.py [--source DIR]`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import shutil
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "datasets" / "aic-demo"
MAX_SIDE = 512
BLANK_FRACTION = 0.4
#: Artists whose names are always blanked: the ones a curator will most like to see suggested.
FAMOUS = ("Monet", "Renoir", "Degas", "Pissarro", "Cezanne", "Cézanne", "Manet", "Morisot")
COLUMNS = ("image_file", "object_id", "artist", "title", "date", "medium", "collection", "credit")


def _rank(text: str, salt: str) -> str:
    """A stable pseudo-random order."""
    return hashlib.sha256(f"{salt}:{text}".encode()).hexdigest()


def choose_blanks(rows: list[dict[str, str]]) -> tuple[set[str], set[str]]:
    """Ids whose artist, and ids whose date, the demo leaves blank."""
    n = round(len(rows) * BLANK_FRACTION)
    famous = [r["aic_id"] for r in rows if any(f in r["artist"] for f in FAMOUS)]
    others = sorted((r["aic_id"] for r in rows if r["aic_id"] not in famous),
                    key=lambda i: _rank(i, "artist"))  # fmt: skip
    artist = set(famous[:n]) | set(others[: max(0, n - len(famous))])
    unknown = [r["aic_id"] for r in rows if r["date_display"].lower() == "date unknown"]
    dated = sorted((r["aic_id"] for r in rows if r["aic_id"] not in unknown),
                   key=lambda i: _rank(i, "date"))  # fmt: skip
    date = set(unknown) | set(dated[: max(0, n - len(unknown))])
    return artist, date


def _date(row: dict[str, str], blank: set[str]) -> str:
    """The museum's date text, blank when chosen (a "Date unknown" stays as the museum wrote it)."""
    text = row["date_display"]
    return "" if row["aic_id"] in blank and text.lower() != "date unknown" else text


def copy_image(src: Path, dst: Path) -> None:
    """Copy an image, shrinking it when its long side is over MAX_SIDE."""
    with Image.open(src) as img:
        if max(img.size) <= MAX_SIDE:
            shutil.copyfile(src, dst)
            return
        img.thumbnail((MAX_SIDE, MAX_SIDE))
        img.convert("RGB").save(dst, "JPEG", quality=88)


def build(source: Path, out: Path) -> int:
    """Write out/images/* and out/metadata.csv; returns the number of rows."""
    with (source / "labels.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    blank_artist, blank_date = choose_blanks(rows)
    (out / "images").mkdir(parents=True, exist_ok=True)
    with (out / "metadata.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(COLUMNS)
        for r in rows:
            name = Path(r["image_file"]).name
            copy_image(source / r["image_file"], out / "images" / name)
            w.writerow([
                f"images/{name}",
                r["aic_id"],
                "" if r["aic_id"] in blank_artist else r["artist_display"],
                r["title"],
                _date(r, blank_date),
                r["medium"],
                r["collection"],
                "Art Institute of Chicago, CC0 (public domain)",
            ])  # fmt: skip
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    if not (args.source / "labels.csv").is_file():
        print(f"build_demo: no labels.csv in {args.source}", file=sys.stderr)
        return 1
    n = build(args.source, args.out)
    print(f"wrote {n} rows to {args.out / 'metadata.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
