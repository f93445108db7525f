"""A large catalogue inserted in bulk for benchmarks (100k set_field calls would take minutes)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from heritage_desk.core.model import Field, Provenance
from heritage_desk.storage import db
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.orm import AssetRow, FieldValueRow, SuggestionRow

SUGGESTED_ARTISTS = ["Claude Monet", "Edgar Degas", "Rembrandt", "Camille Pissarro", "Paul Cezanne"]


def build_big_catalogue(
    path: Path,
    n: int,
    images: Sequence[str] = (),
    *,
    size: tuple[int, int] = (512, 384),
    suggestions: bool = False,
) -> None:
    """n assets with titles, most with an artist, two in three with a date.

    `images` are cycled as image paths (placeholders when empty). With `suggestions`, every
    fifth asset has no artist but five artist suggestions and a date suggestion instead.
    """
    Catalogue.open(path).close()  # creates the schema
    paths = list(images) or [f"images/{i:06d}.jpg" for i in range(1000)]
    engine = db.create_engine(path)
    with engine.begin() as conn:
        for start in range(0, n, 10_000):
            ids = range(start + 1, min(n, start + 10_000) + 1)
            conn.execute(sa.insert(AssetRow), [
                {"id": i, "image_path": paths[i % len(paths)],
                 "checksum": hashlib.sha256(str(i).encode()).hexdigest(),
                 "inventory_number": f"INV-{i}", "width": size[0], "height": size[1]}
                for i in ids
            ])  # fmt: skip
            fields, sugg = [], []
            for i in ids:
                fields.append(_field(i, Field.TITLE, f"Painting number {i}"))
                if i % 5:
                    fields.append(_field(i, Field.ARTIST, f"Artist {i % 700}"))
                elif suggestions:
                    p = 0.3 + (i % 60) / 100
                    for rank, artist in enumerate(SUGGESTED_ARTISTS, start=1):
                        sugg.append(_sugg(i, Field.ARTIST, artist, p / rank, rank))
                    sugg.append(_sugg(i, Field.DATE, "1870s", 0.6, 1, 1865, 1884))
                if i % 3:
                    fields.append(_field(i, Field.DATE, str(1500 + i % 450), 1500 + i % 450))
            conn.execute(sa.insert(FieldValueRow), fields)
            if sugg:
                conn.execute(sa.insert(SuggestionRow), sugg)
    engine.dispose()


def _field(asset_id: int, f: Field, value: str, year: int | None = None) -> dict[str, object]:
    return {
        "asset_id": asset_id, "field": f.value, "value": value, "year_from": year,
        "year_to": year, "provenance": Provenance.IMPORTED.value, "confirmed": False,
    }  # fmt: skip


def _sugg(a: int, f: Field, v: str, p: float, rank: int, y0: int | None = None,
          y1: int | None = None) -> dict[str, object]:  # fmt: skip
    return {
        "asset_id": a, "field": f.value, "rank": rank, "value": v, "probability": p,
        "year_from": y0, "year_to": y1, "model_version": "bench", "rejected": False,
    }  # fmt: skip
