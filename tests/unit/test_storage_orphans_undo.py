"""The orphan check on a healthy catalogue after an undo (issue 12: decisions joined to itself)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from heritage_desk.core.model import Action, Field, Provenance
from heritage_desk.storage.catalogue import Catalogue


def _edited_and_undone(path: Path) -> int:
    with Catalogue.open(path) as cat:
        a = cat.add_asset("a.jpg", "a" * 64)
        for name in ("Claude Monet", "Edgar Degas"):
            cat.set_field(a, Field.ARTIST, name, Provenance.CURATOR, reviewer="ana",
                          action=Action.EDIT)  # fmt: skip
        cat.undo("ana")
        return a


def test_undo_rows_pointing_to_existing_decisions_are_not_orphans(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _edited_and_undone(path)
    with Catalogue.open(path) as cat:
        assert cat.orphan_ids("decisions", "undoes", "decisions") == []


def test_an_undo_row_whose_decision_is_gone_is_an_orphan(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _edited_and_undone(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")  # what another tool editing the file might do
    (undone,) = conn.execute("SELECT undoes FROM decisions WHERE undoes IS NOT NULL").fetchone()
    (undo_row,) = conn.execute("SELECT id FROM decisions WHERE undoes IS NOT NULL").fetchone()
    conn.execute("DELETE FROM decisions WHERE id = ?", (undone,))
    conn.commit()
    conn.close()
    with Catalogue.open(path) as cat:
        assert cat.orphan_ids("decisions", "undoes", "decisions") == [undo_row]
