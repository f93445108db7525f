"""Facts about the catalogue kept in catalogue_info: the folders images were imported from."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from heritage_desk.storage.orm import CatalogueInfoRow, utcnow

#: catalogue_info keys of image folders: the prefix and a hash of the path (keys are short,
#: paths are not); the value is JSON {"path": ..., "imported_at": ...}. One row per folder, so
#: two curators importing at once on PostgreSQL never overwrite each other's folder.
IMAGES_ROOT_PREFIX = "images_root:"
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def images_root_key(path: str) -> str:
    """The catalogue_info key of one images folder."""
    return IMAGES_ROOT_PREFIX + hashlib.sha256(path.encode("utf-8")).hexdigest()[:40]


def images_roots(s: Session) -> list[tuple[datetime, Path]]:
    """(last import time, folder) of every recorded images folder, the newest first."""
    stmt = sa.select(CatalogueInfoRow.key, CatalogueInfoRow.value).where(
        CatalogueInfoRow.key.startswith(IMAGES_ROOT_PREFIX, autoescape=True)
    )
    found: list[tuple[datetime, str, Path]] = []
    for key, value in s.execute(stmt):
        try:  # a hand-edited or foreign row must not break opening the catalogue
            data = json.loads(value)
            at = datetime.strptime(data["imported_at"], _STAMP).replace(tzinfo=UTC)
            found.append((at, key, Path(str(data["path"]))))
        except (ValueError, TypeError, KeyError):
            continue
    found.sort(key=lambda f: (f[0], f[1]), reverse=True)
    return [(at, path) for at, _, path in found]


def record_images_root(s: Session, folder: Path) -> None:
    """Record `folder` (absolute) as the newest images folder; again = moved to the front."""
    text = str(folder)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{text!r}: folder name is not valid text; not recorded") from None
    now = utcnow()
    known = images_roots(s)
    if known and known[0][0] >= now:  # same clock tick or a clock set back: still the newest
        now = known[0][0] + timedelta(microseconds=1)
    value = json.dumps({"path": text, "imported_at": now.strftime(_STAMP)})
    upsert(s, images_root_key(text), value)


def upsert(s: Session, key: str, value: str) -> None:
    """Insert or overwrite one catalogue_info row in one statement (no race between writers)."""
    name = s.get_bind().dialect.name
    if name == "sqlite":
        lite = sqlite.insert(CatalogueInfoRow).values(key=key, value=value)
        s.execute(lite.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
    elif name == "postgresql":
        pg = postgresql.insert(CatalogueInfoRow).values(key=key, value=value)
        s.execute(pg.on_conflict_do_update(index_elements=["key"], set_={"value": value}))
    else:
        s.execute(sa.delete(CatalogueInfoRow).where(CatalogueInfoRow.key == key))
        s.execute(sa.insert(CatalogueInfoRow).values(key=key, value=value))
