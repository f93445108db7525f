"""The folders images were imported from: recorded at import, newest first, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from heritage_desk.storage import assets as catalogue_module
from heritage_desk.storage import db, info
from heritage_desk.storage.catalogue import Catalogue, CatalogueReadOnlyError
from heritage_desk.storage.importer import import_collection
from heritage_desk.storage.orm import CatalogueInfoRow


@pytest.fixture
def cat(catalogue_url: str) -> Iterator[Catalogue]:
    c = Catalogue.open(catalogue_url)
    yield c
    c.close()


def _folder(path: Path, *names: str, colour: int = 0) -> Path:
    """A folder of small distinct PNGs (distinct content: no duplicates between folders)."""
    path.mkdir(parents=True)
    for i, name in enumerate(names):
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), (colour, i, 7)).save(path / name)
    return path


def test_nothing_imported_means_no_root(cat: Catalogue) -> None:
    assert cat.images_root() is None
    assert cat.images_roots() == []


def test_imports_record_their_folders_newest_first(cat: Catalogue, tmp_path: Path) -> None:
    a = _folder(tmp_path / "a", "x.png", "sub/y.png", colour=1)
    b = _folder(tmp_path / "b", "z.png", colour=2)
    import_collection(cat, a)
    assert cat.images_root() == a.resolve()
    import_collection(cat, b)
    assert cat.images_roots() == [b.resolve(), a.resolve()]
    assert cat.images_root() == b.resolve()
    import_collection(cat, a)  # again: it moves to the front, it is not listed twice
    assert cat.images_roots() == [a.resolve(), b.resolve()]
    # Every asset's relative path resolves under one of the recorded folders.
    for asset in cat.get_assets(cat.asset_ids()):
        assert any((r / asset.image_path).is_file() for r in cat.images_roots())


def test_roots_survive_reopening_and_read_by_a_second_catalogue(
    catalogue_url: str, tmp_path: Path
) -> None:
    a = _folder(tmp_path / "a", "x.png")
    with Catalogue.open(catalogue_url) as one:
        import_collection(one, a)
    with Catalogue.open(catalogue_url) as two:
        assert two.images_roots() == [a.resolve()]


def test_recorded_folder_is_absolute_and_resolved(
    cat: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = _folder(tmp_path / "real", "x.png")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    import_collection(cat, Path("link"))  # relative and through a symlink
    assert cat.images_root() == real.resolve()
    assert cat.images_root().is_absolute()  # type: ignore[union-attr]


def test_a_folder_without_images_is_not_recorded(cat: Catalogue, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no images here")
    report = import_collection(cat, empty)
    assert report.files == 0
    assert cat.images_roots() == []


def test_same_clock_tick_still_orders_newest_first(
    cat: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen = datetime(2026, 1, 1, tzinfo=UTC)
    monkeypatch.setattr(info, "utcnow", lambda: frozen)
    folders = [tmp_path / n for n in ("a", "b", "c")]
    for f in folders:
        cat.record_images_root(f)
    assert cat.images_roots() == [f.resolve() for f in reversed(folders)]
    cat.record_images_root(folders[0])
    assert cat.images_root() == folders[0].resolve()
    # A clock set back a year does not put an import behind older ones either.
    monkeypatch.setattr(info, "utcnow", lambda: frozen.replace(year=2025))
    cat.record_images_root(folders[1])
    assert cat.images_roots()[0] == folders[1].resolve()


def test_long_paths_and_foreign_rows(cat: Catalogue, tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 12)  # longer than a key may be
    cat.record_images_root(deep)
    with cat.session(write=True) as s:
        s.add(CatalogueInfoRow(key=info.IMAGES_ROOT_PREFIX + "junk", value="{not json"))
        s.add(CatalogueInfoRow(key="images_rootX", value='{"path": "/x"}'))
    assert cat.images_roots() == [deep.resolve()]


def test_callers_use_it_as_a_method(cat: Catalogue, tmp_path: Path) -> None:
    """services.image_paths.ImageResolver and SuggestionService: getattr, callable, call."""
    a = _folder(tmp_path / "a", "x.png")
    import_collection(cat, a)
    getter = getattr(cat, "images_root", None)
    assert callable(getter)
    found = getter()
    assert found and (Path(found) / "x.png").is_file()


def test_read_only_catalogue_reports_roots_and_refuses_new_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "catalogue.sqlite"
    a = _folder(tmp_path / "a", "x.png")
    with Catalogue.open(path) as cat:
        import_collection(cat, a)
    # As if the file could not be written (file modes do not bind root): opened mode=ro.
    monkeypatch.setattr(db, "read_only_reason", lambda p: "read-only file")
    with Catalogue.open(path) as cat:
        assert cat.read_only
        assert cat.images_root() == a.resolve()
        with pytest.raises(CatalogueReadOnlyError):
            cat.record_images_root(tmp_path)
        with pytest.raises(CatalogueReadOnlyError):
            import_collection(cat, _folder(tmp_path / "b", "y.png", colour=9))
        assert cat.images_roots() == [a.resolve()]


def test_cache_sees_its_own_writes_at_once_and_others_after_a_while(
    catalogue_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Catalogue.open(catalogue_url) as one, Catalogue.open(catalogue_url) as two:
        assert one.images_roots() == []
        one.record_images_root(tmp_path / "a")
        assert one.images_roots() == [(tmp_path / "a").resolve()]
        two.record_images_root(tmp_path / "b")  # another program importing meanwhile
        monkeypatch.setattr(catalogue_module, "ROOTS_CACHE_S", 0.0)
        assert one.images_roots() == [(tmp_path / "b").resolve(), (tmp_path / "a").resolve()]
        one.images_roots().clear()  # a caller's copy: the cache is not changed through it
        assert len(one.images_roots()) == 2


def test_a_rolled_back_import_leaves_no_root(cat: Catalogue, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), cat.transaction():
        cat.record_images_root(tmp_path)
        assert cat.images_root() == tmp_path.resolve()  # seen inside the transaction
        raise RuntimeError("crash mid-import")
    assert cat.images_roots() == []
