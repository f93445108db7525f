"""Qualified confirmations as weaker evidence of the painter (issue 17 item 5): "Attributed to
X" trains X at half weight and shows in X's evidence, marked and ranked below X's own works;
"After X" is another hand and counts for nothing. Real AIC paintings, the shipped starter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from heritage_desk.core.names import evidence_weight
from heritage_desk.ml.model import multitask_loss
from heritage_desk.services.retrain_labels import confirmed_items
from heritage_desk.services.retrain_training import examples_of
from heritage_desk.services.suggestions import SuggestionService
from heritage_desk.storage.catalogue import Catalogue
from tests.integration.test_doubts import aic_catalogue

MONET = "Claude Monet (French, 1840–1926)"
RECORD = [
    ("aic_81537.jpg", MONET),
    ("aic_20535.jpg", f"Attributed to {MONET}"),
    ("aic_81555.jpg", f"After {MONET}"),
    ("aic_59944.jpg", "Pierre-Auguste Renoir (French, 1841–1919)"),
]


def test_qualified_confirmations_are_weaker_evidence_in_training_and_in_the_panel(
    aic_demo_dir: Path, tmp_path: Path
) -> None:
    cat = aic_catalogue(tmp_path, aic_demo_dir, RECORD, date="1880")
    with Catalogue.open(cat) as c:
        svc = SuggestionService(c, cache_dir=tmp_path / "cache")
        svc.embed_missing()
        items = {i.checksum: i for i in confirmed_items(c, svc, holdout_fraction=1.0)}
        by_file = {a.image_path: a for a in c.get_assets(c.asset_ids())}
        item = {name: items[by_file[name].checksum] for name, _ in RECORD}
        assert item["aic_81537.jpg"].weight == 1.0
        attributed = item["aic_20535.jpg"]
        assert attributed.weight == evidence_weight("attributed to") == 0.5
        assert attributed.artist is not None and "Monet" in attributed.artist
        assert [e.weight for e in examples_of([attributed])] == [0.5]
        # Held out, it is scored for its date only: it is not surely Monet's own hand.
        (scored,) = examples_of([attributed], scored=True)
        assert scored.artist is None and scored.year == 1880
        # "After Monet" is a copy by someone else: its date is learned, not its painter.
        assert item["aic_81555.jpg"].artist is None and item["aic_81555.jpg"].year == 1880

        # The evidence panel: Monet's evidence holds his own work and the attributed one
        # (marked), never the copy after him.
        query = by_file["aic_59944.jpg"]  # a Renoir asks for Monet's evidence
        works = svc.evidence(query.id, [MONET], k=5)[MONET]
        got = {Path(w.image_path).name: w for w in works}
        assert set(got) == {"aic_81537.jpg", "aic_20535.jpg"}
        assert got["aic_81537.jpg"].qualifier is None
        assert got["aic_20535.jpg"].qualifier == "attributed to"
        # Ranked by similarity times weight: the attributed work leads only when it is more
        # than twice as similar as the sure one.
        sure, half = got["aic_81537.jpg"].similarity, got["aic_20535.jpg"].similarity
        lead = "aic_20535.jpg" if 0.5 * half > sure else "aic_81537.jpg"
        assert Path(works[0].image_path).name == lead


def test_a_label_weight_scales_its_share_of_the_artist_loss() -> None:
    logits = torch.tensor([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    artist = torch.tensor([0, 0, 1])
    no_year = torch.full((3,), -100)
    empty = torch.zeros(3, 1)
    every = multitask_loss(logits, empty, artist, no_year)
    ones = multitask_loss(logits, empty, artist, no_year, artist_weight=torch.ones(3))
    assert torch.isclose(every, ones)
    # Weight 0 takes a row out; 0.5 counts it half (a weighted mean of the row losses).
    each = torch.nn.functional.cross_entropy(logits, artist, reduction="none")
    half = multitask_loss(logits, empty, artist, no_year, artist_weight=torch.tensor([1, 0.5, 0]))
    assert torch.isclose(half, (each[0] + 0.5 * each[1]) / 1.5)
    assert np.isfinite(float(half))


def test_the_panel_says_how_the_catalogue_gives_an_evidence_work() -> None:
    from heritage_desk.core.views import Evidence

    own = Evidence(1, "a.jpg", None, "A", 0.8)
    follower = Evidence(2, "b.jpg", None, "B", 0.8, "follower of")
    assert own.given_as("<b>Rubens</b>") == "a confirmed work of <b>Rubens</b>"
    assert follower.given_as("Rubens") == "a work given as follower of Rubens: weaker evidence"
