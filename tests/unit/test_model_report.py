"""The model panel's report (issue 12): a starter dated by its checkpoint, an honest confusion."""

from __future__ import annotations

import json
from pathlib import Path

from heritage_desk import config
from heritage_desk.core.model import Action, Field, Provenance, Suggestion
from heritage_desk.services.model_report import NOT_TOP, model_report
from heritage_desk.services.model_store import ModelStore
from heritage_desk.services.retrain_versions import ensure_starter_registered
from heritage_desk.storage.catalogue import Catalogue


def test_the_starter_is_dated_by_its_checkpoint(tmp_path: Path) -> None:
    starter = tmp_path / "starter.safetensors"
    starter.write_bytes(b"not read here")
    starter.with_suffix(".json").write_text(
        json.dumps({"created_at": "2026-11-28T16:18:18+00:00"}), encoding="utf-8"
    )
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        ensure_starter_registered(cat, starter)
        (v,) = model_report(
            cat, None, "CPU", ModelStore(cat, config.paths(tmp_path / "data"))
        ).versions
        assert v.created_at.strftime("%Y-%m-%d %H:%M") == "2026-11-28 16:18"


def test_rejected_then_typed_and_picked_candidates_are_off_the_diagonal(tmp_path: Path) -> None:
    monet = Suggestion(Field.ARTIST, "Claude Monet", 0.6, 1, "m-1")
    degas = Suggestion(Field.ARTIST, "Edgar Degas", 0.3, 2, "m-1")
    with Catalogue.open(tmp_path / "c.sqlite") as cat:
        ids = [cat.add_asset(f"{i}.jpg", str(i) * 64) for i in range(4)]
        for a in ids:
            cat.replace_suggestions(a, [monet, degas])
        cat.accept_suggestions([(ids[0], monet)], "ana")  # right: diagonal
        cat.reject_suggestion(ids[1], Field.ARTIST, "Claude Monet", "ana")  # wrong, then typed
        cat.set_field(ids[1], Field.ARTIST, "Edgar Degas", Provenance.CURATOR, reviewer="ana",
                      action=Action.EDIT)  # fmt: skip
        cat.accept_suggestions([(ids[2], degas)], "ana")  # candidate 2 picked
        cat.accept_suggestions([(ids[3], monet)], "ana")
        cat.undo("ana")  # undone: not counted
        report = model_report(cat, None, "CPU", ModelStore(cat, config.paths(tmp_path / "data")))
    labels, matrix = report.confusion_labels, report.confusion
    cell = {
        (labels[i], labels[j]): n for i, row in enumerate(matrix) for j, n in enumerate(row) if n
    }
    assert cell == {
        ("Claude Monet", "Claude Monet"): 1,
        ("Edgar Degas", "Claude Monet"): 1,
        ("Edgar Degas", NOT_TOP): 1,
    }
