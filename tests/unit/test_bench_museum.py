"""The museum benchmark: the record it imports hides the blanked values; the scorer finds them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from benchmarks.bench_museum import prepare, score
from tests.conftest import AIC_DEMO

pytestmark = pytest.mark.skipif(not AIC_DEMO.is_dir(), reason="aic-demo dataset not present")


def test_record_lacks_what_the_truth_holds(tmp_path: Path) -> None:
    record, truth = prepare(tmp_path)
    hidden = json.loads(truth.read_text(encoding="utf-8"))
    rows = {r["image_file"]: r for r in csv.DictReader(record.open(encoding="utf-8"))}
    assert len(rows) == 135
    blank_artists = [n for n, t in hidden.items() if "artist" in t]
    blank_dates = [n for n, t in hidden.items() if "date" in t]
    assert 0.3 < len(blank_artists) / 135 < 0.5 and 0.3 < len(blank_dates) / 135 < 0.5
    for name in blank_artists:
        assert rows[name]["artist"] == ""
    for name in blank_dates:
        assert rows[name]["date"] == ""
    assert truth.parent != record.parent  # the truth lives apart from what is imported
    again, _ = prepare(tmp_path / "again")
    assert again.read_text(encoding="utf-8") == record.read_text(encoding="utf-8")


def test_score_counts_right_confident_and_ranges(tmp_path: Path) -> None:
    truth = tmp_path / "truth.json"
    truth.write_text(
        json.dumps(
            {
                "a.jpg": {"artist": "Claude Monet (French, 1840-1926)", "date": "c. 1880"},
                "b.jpg": {"artist": "Attributed to Nobody Known (Dutch, 1600-1650)"},
                "c.jpg": {"artist": "Claude Monet (French, 1840-1926)", "date": "1600/10"},
            }
        )
    )
    cols = ["image_file", "artist_1", "artist_1_probability", "decade", "year_from", "year_to"]
    cols.append("year_range_probability")
    out = tmp_path / "s.csv"
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        w.writerow(["/x/a.jpg", "Claude Monet", "0.9", "1880s", "1870", "1889", "0.8"])
        w.writerow(["/x/b.jpg", "Claude Monet", "0.7", "", "", "", ""])
        w.writerow(
            ["/x/c.jpg", "none of the painters I know", "0.6", "1850s", "1800", "1900", "0.5"]
        )
    got = score(out, truth, {"claude monet"})
    assert got["artists_knowable_share"] == pytest.approx(2 / 3)
    assert got["artist_top1_knowable"] == pytest.approx(0.5)
    assert got["unknowable_confident_share"] == 1.0
    assert got["artist_precision_at_0.5"] == pytest.approx(0.5)
    assert got["unknown_outcome_first_share"] == pytest.approx(1 / 3)
    assert got["dates_suggested"] == 2
    assert got["date_width[11-25 y] held"] == 1.0 and got["date_width[>100 y] held"] == 0.0
    assert got["date_median_error"] == pytest.approx((5 + 250) / 2)  # decade middles


def test_another_blanking_hides_other_works_and_figures_average_over_them(tmp_path: Path) -> None:
    from benchmarks.bench_museum import over_blankings

    first = json.loads(prepare(tmp_path / "b0")[1].read_text(encoding="utf-8"))
    other = json.loads(prepare(tmp_path / "b1", blanking=1)[1].read_text(encoding="utf-8"))
    assert first != other and 0.3 < len(other) / 135 < 0.9
    runs = [{"p": {"x": 0.5, "y": float("nan")}}, {"p": {"x": 1.0, "y": 2.0}}]
    out = over_blankings(runs)["p"]
    assert out["x"] == 0.75 and out["x sd"] == 0.25
    assert out["y"] == 2.0  # a run with nothing to score is left out of the mean
