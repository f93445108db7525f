"""GUI fixtures: a real small catalogue of AIC paintings, a real tiny model, the real window."""

from __future__ import annotations

import csv
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from heritage_desk import config

pytestmark = pytest.mark.gui

#: Embeddings are keyed by image checksum + backbone: one cache serves every run.
TEST_CACHE = Path(
    os.environ.get("HERITAGE_TEST_EMBEDDINGS", config.PROJECT_DIR / ".work" / "test-embeddings")
)
#: WikiArt artists the test model learns (some of them painted the AIC works below).
STARTER_ARTISTS = ("Claude Monet", "Pierre-Auguste Renoir", "Edgar Degas", "Rembrandt")
PER_ARTIST = 20
#: How many AIC paintings the test catalogue holds, and which of them lose their artist.
N_ASSETS = 14
#: How long (ms) a GUI test waits for the window at most; the first batch loads torch.
WAIT = 60_000


@dataclass(frozen=True)
class Collection:
    """A closed catalogue file to copy, its images folder and the model to suggest with."""

    catalogue: Path
    images: Path
    starter: Path
    hidden_artist: frozenset[str]
    hidden_date: frozenset[str]


def _starter(wikiart: Path, out: Path) -> Path:
    """A tiny real model: a lite0 head trained on a few WikiArt artists (seconds, cached)."""
    import torch

    from heritage_desk.ml.checkpoint import save_checkpoint
    from heritage_desk.ml.data import Example
    from heritage_desk.ml.embeddings import Embedder, EmbeddingCache
    from heritage_desk.ml.train import TrainConfig, train_head

    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    with open(wikiart / "labels.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            a = r["artist"]
            if a in STARTER_ARTISTS and seen.get(a, 0) < PER_ARTIST:
                seen[a] = seen.get(a, 0) + 1
                rows.append(r)
    emb = Embedder("lite0", cache=EmbeddingCache(TEST_CACHE), num_threads=1)
    feats = emb.embed_files([wikiart / r["image_file"] for r in rows])
    examples = [
        Example(
            str(wikiart / r["image_file"]),
            r["artist"],
            int(r["year"]) if r["year"] else None,
            r["genre"] or None,
            r["style"] or None,
            None,
            r["title"],
        )
        for r in rows
    ]
    tm = train_head(examples, feats, TrainConfig(epochs=30, num_threads=1), backbone="lite0")
    tm.extra_tensors = {
        "exemplars": torch.from_numpy(feats).half(),
        "exemplar_artist": torch.tensor([tm.vocab.artist_index(r["artist"]) for r in rows]),
        "exemplar_year": torch.tensor([int(r["year"] or 0) for r in rows]),
    }
    return save_checkpoint(tm, out)


def _collection(root: Path, aic: Path, wikiart: Path) -> Collection:
    from heritage_desk.storage.catalogue import Catalogue
    from heritage_desk.storage.importer import import_collection

    with open(aic / "labels.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # Impressionists first (the model knows them), then others; deterministic.
    known = [r for r in rows if any(a.split()[-1] in r["artist"] for a in STARTER_ARTISTS)]
    others = [r for r in rows if r not in known]
    chosen = (known[:8] + others)[:N_ASSETS]
    images = root / "images"
    images.mkdir()
    hidden_artist, hidden_date = set(), set()
    with open(root / "metadata.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["image_file", "artist", "date", "title", "medium", "inventory"])
        for i, r in enumerate(chosen):
            name = Path(r["image_file"]).name
            shutil.copyfile(aic / r["image_file"], images / name)
            hide_artist = i % 2 == 0
            hide_date = i % 3 == 0
            if hide_artist:
                hidden_artist.add(name)
            if hide_date:
                hidden_date.add(name)
            w.writerow(
                [
                    name,
                    "" if hide_artist else r["artist_display"] or r["artist"],
                    "" if hide_date else r["date_display"],
                    r["title"],
                    r["medium"],
                    f"AIC-{r['aic_id']}",
                ]
            )
    cat_path = root / "base.sqlite"
    with Catalogue.open(cat_path) as cat:
        report = import_collection(cat, images, root / "metadata.csv")
        assert report.added == len(chosen), report.lines()
    starter = _starter(wikiart, root / "model" / "starter.safetensors")
    return Collection(cat_path, images, starter, frozenset(hidden_artist), frozenset(hidden_date))


@pytest.fixture(scope="session")
def collection(
    aic_demo_dir: Path, wikiart_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Collection:
    return _collection(tmp_path_factory.mktemp("gui-collection"), aic_demo_dir, wikiart_dir)


@pytest.fixture
def catalogue_copy(collection: Collection, tmp_path: Path) -> Path:
    """A private copy of the test catalogue."""
    path = tmp_path / "catalogue.sqlite"
    shutil.copyfile(collection.catalogue, path)
    return path


@pytest.fixture(autouse=True)
def no_leftover_threads() -> Iterator[None]:
    """Fail a test that leaves threads running (napari's conftest does the same)."""
    before = {t.ident for t in threading.enumerate()}
    yield
    left = [
        t
        for t in threading.enumerate()
        if t.ident not in before and t.is_alive() and not t.name.startswith("retrain-std")
    ]
    for t in left:
        t.join(5.0)
    left = [t.name for t in left if t.is_alive()]
    assert not left, f"threads left running: {left}"


@pytest.fixture
def isolated_settings(tmp_path: Path, qapp: object) -> Iterator[None]:
    """QSettings in a temporary folder, never the user's."""
    from PySide6.QtCore import QCoreApplication, QSettings

    QCoreApplication.setOrganizationName("heritage_desk_tests")
    QCoreApplication.setApplicationName("heritage_desk_tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))
    yield


#: Messages of the offscreen platform plugin itself, not of our code.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every GUI test ignores the offscreen plugin's own warnings, and nothing else."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


def open_desk(location: Path, tmp_path: Path, images: Path | None = None) -> Any:
    """A DeskApp without a model on `location`, as a reviewer named 'tester'."""
    from heritage_desk.app import DeskApp
    from heritage_desk.gui.settings import AppSettings

    settings = AppSettings()
    settings.reviewer = "tester"
    return DeskApp(
        location, config.paths(tmp_path / "data"), images_root=images, with_model=False,
        settings=settings,
    )  # fmt: skip


def open_model_desk(
    collection: Collection, location: Path, tmp_path: Path, **options: object
) -> object:
    """A DeskApp with the test starter model on `location`, as a reviewer named 'tester'."""
    from heritage_desk.app import DeskApp
    from heritage_desk.gui.settings import AppSettings

    settings = AppSettings()
    settings.reviewer = "tester"
    settings.torch_threads = 1
    return DeskApp(
        location,
        config.paths(tmp_path / "data"),
        images_root=collection.images,
        settings=settings,
        suggestion_options={"starter": collection.starter, "cache_dir": TEST_CACHE},
        **options,  # type: ignore[arg-type]
    )


def call(app: Any, qtbot: Any, fn: Any) -> Any:
    """Run `fn(desk)` on the app's executor and wait for its result (test helper)."""
    from heritage_desk.workers.ops import Op

    box: list[Any] = []
    Op(fn).success(box.append).run()
    qtbot.waitUntil(lambda: bool(box), timeout=WAIT)
    return box[0]


def _shown(app: Any, qtbot: Any) -> Any:
    """Show the window, wait until it is on screen and all the test catalogue's rows are loaded."""
    app.window.show()
    app.window.activateWindow()
    qtbot.waitExposed(app.window)
    qtbot.waitUntil(lambda: app.window.model.rowCount() == N_ASSETS, timeout=WAIT)
    return app


@pytest.fixture
def app_without_model(
    collection: Collection, catalogue_copy: Path, tmp_path: Path, qtbot: Any,
    isolated_settings: None,
) -> Iterator[Any]:  # fmt: skip
    """The real window on a private catalogue copy, no model: shown, every row loaded."""
    app = _shown(open_desk(catalogue_copy, tmp_path, collection.images), qtbot)
    yield app
    app.close()


@pytest.fixture
def app_with_model(
    collection: Collection, catalogue_copy: Path, tmp_path: Path, qtbot: Any,
    isolated_settings: None,
) -> Iterator[Any]:  # fmt: skip
    """The real window on a private catalogue copy with the tiny test model: shown, every row
    loaded, the background suggestion pass not started (`app.start()` starts it)."""
    app = _shown(open_model_desk(collection, catalogue_copy, tmp_path), qtbot)
    yield app
    app.close()


@pytest.fixture
def app_after_background_pass(app_with_model: Any, qtbot: Any) -> Any:
    """`app_with_model` once its background pass has suggested for every missing field and
    embedded every image."""
    app_with_model.start()
    qtbot.waitUntil(app_with_model.background_done, timeout=2 * WAIT)  # every image, under load
    return app_with_model


@pytest.fixture
def app_on_first_row(app_without_model: Any, qtbot: Any) -> Any:
    """`app_without_model` with the first row current and its detail shown."""
    app_without_model.window.collection.set_current_row(0)
    qtbot.waitUntil(lambda: app_without_model.window.review.detail is not None, timeout=WAIT)
    return app_without_model
