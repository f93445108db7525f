"""Bulk field writes, the indexed undo head, case-insensitive search and the orphan API."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from heritage_desk.core.model import Action, Field, FieldValue, Provenance
from heritage_desk.core.query import AssetQuery
from heritage_desk.storage import undo
from heritage_desk.storage.catalogue import Catalogue, ConflictError
from heritage_desk.storage.maintenance import ORPHAN_LINKS


def _fields(cat: Catalogue, asset_id: int) -> dict[Field, tuple[object, ...]]:
    a = cat.get_asset(asset_id)
    return {
        f: (v.value, v.provenance, v.year_from, v.year_to, v.reviewer, v.probability)
        for f, v in a.fields.items()
    }


def test_add_asset_with_fields_and_set_fields_match_set_field(catalogue_url: str) -> None:
    row = {
        Field.TITLE: FieldValue(Field.TITLE, "Night Watch", Provenance.IMPORTED),
        Field.ARTIST: FieldValue(Field.ARTIST, "Rembrandt van Rijn", Provenance.IMPORTED),
        Field.DATE: FieldValue(Field.DATE, "1642", Provenance.CURATOR, 1642, 1642, reviewer="ana"),
    }
    with Catalogue.open(catalogue_url) as cat:
        one = cat.add_asset("a.jpg", "a" * 64, fields=row.values())
        two = cat.add_asset("b.jpg", "b" * 64)
        for f, u in row.items():
            cat.set_field(
                two,
                f,
                u.value,
                u.provenance,
                year_from=u.year_from,
                year_to=u.year_to,
                reviewer=u.reviewer,
            )
        three = cat.add_asset("c.jpg", "c" * 64)
        cat.set_fields(three, [FieldValue(Field.TITLE, "old", Provenance.IMPORTED)])
        changes = cat.set_fields(three, row.values())  # replaces one value, adds two
        assert changes.asset_ids == {three} and not changes.decisions
        assert _fields(cat, one) == _fields(cat, two) == _fields(cat, three)
        assert cat.history(one) == [] and cat.history(three) == []
        assert cat.artist_aliases("REMBRANDT VAN RIJN") == ["Rembrandt van Rijn"]
        assert cat.count_assets(AssetQuery(artist="Rembrandt van Rijn")) == 3


def test_text_search_ignores_case_and_escapes_wildcards(catalogue_url: str) -> None:
    with Catalogue.open(catalogue_url) as cat:
        a = cat.add_asset(
            "a.jpg",
            "a" * 64,
            inventory_number="INV-100%",
            fields=[FieldValue(Field.TITLE, "Still Life", Provenance.IMPORTED)],
        )
        b = cat.add_asset("b.jpg", "b" * 64, inventory_number="INV-1000")
        assert cat.asset_ids(AssetQuery(text="still LIFE")) == [a]
        assert cat.asset_ids(AssetQuery(text="inv-100")) == [a, b]
        assert cat.asset_ids(AssetQuery(text="100%")) == [a]
        assert cat.asset_ids(AssetQuery(text="INV_1")) == []


def test_top_undo_step_matches_the_replayed_stacks(catalogue_url: str) -> None:
    """The indexed undo head agrees with a replay of the log through edits, batches, undo, redo."""
    rng = random.Random(7)
    with Catalogue.open(catalogue_url) as cat:
        ids = [cat.add_asset(f"{i}.jpg", f"{i:064d}") for i in range(5)]
        for step in range(50):
            who = rng.choice(["ana", "ben"])
            r = rng.random()
            try:
                if r < 0.35:
                    cat.set_field(
                        rng.choice(ids),
                        Field.TITLE,
                        f"t{step}",
                        Provenance.CURATOR,
                        reviewer=who,
                        action=Action.EDIT,
                    )
                elif r < 0.5:
                    with cat.transaction():
                        for a in rng.sample(ids, 3):
                            cat.set_field(
                                a,
                                Field.GENRE,
                                f"g{step}",
                                Provenance.CURATOR,
                                reviewer=who,
                                action=Action.EDIT,
                                batch_id=f"b{step}",
                            )
                elif r < 0.8:
                    cat.undo(who)
                else:
                    cat.redo(who)
            except ConflictError:
                pass  # the other reviewer changed the value since: undo refuses, as it should
            for w in ("ana", "ben"):
                with cat.session() as s:
                    stack = undo.stacks(s, w)[0]
                    top = undo.top_undo_step(s, w)
                assert top == (stack[-1] if stack else None), (step, w)


def test_orphans_are_found_and_only_derived_ones_repaired(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with Catalogue.open(path) as cat:
        cat.add_asset("a.jpg", "a" * 64)
        b = cat.add_asset("b.jpg", "b" * 64)
        cat.set_field(
            b,
            Field.ARTIST,
            "Rembrandt van Rijn",
            Provenance.CURATOR,
            reviewer="ana",
            action=Action.EDIT,
        )
        assert cat.asset_paths() == [(1, "a.jpg", "a" * 64), (b, "b.jpg", "b" * 64)]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("DELETE FROM assets WHERE id = ?", (b,))
    conn.commit()
    conn.close()
    with Catalogue.open(path) as cat:
        found = {link: cat.orphan_ids(*link) for link in ORPHAN_LINKS}
        assert found[("field_values", "asset_id", "assets")] == [1]
        assert len(found[("decisions", "asset_id", "assets")]) == 1
        assert cat.repair_orphans("field_values", "asset_id", "assets") == [1]
        assert cat.orphan_ids("field_values", "asset_id", "assets") == []
        with pytest.raises(ValueError):  # decisions are the audit trail: never repaired
            cat.repair_orphans("decisions", "asset_id", "assets")
        assert len(cat.orphan_ids("decisions", "asset_id", "assets")) == 1
