"""The window's other duties: one instance per catalogue, virtual rows, dialogs, settings."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from heritage_desk.core.model import Field
from heritage_desk.core.query import AssetQuery, Sort
from heritage_desk.workers.ops import Op
from tests.gui.conftest import WAIT, open_desk

pytestmark = pytest.mark.gui


def test_a_second_instance_on_the_same_catalogue_is_refused(
    app_without_model: Any, catalogue_copy: Path, tmp_path: Path
) -> None:
    from heritage_desk.app.bootstrap import InstanceLockedError

    # In one process the lock's holder is this window (another process's window is named as
    # such: tests/reliability/test_hostile_low_disk.py::test_a_catalogue_open_in_this_window...).
    with pytest.raises(InstanceLockedError, match="is already open in this window"):
        open_desk(catalogue_copy, tmp_path / "second")


def test_grid_and_table_share_one_model_and_the_current_asset(
    app_without_model: Any, qtbot: Any
) -> None:
    w = app_without_model.window
    c = w.collection
    assert c.grid.model() is c.table.model() is w.model
    c.set_current_row(3)
    qtbot.waitUntil(lambda: w.review.detail is not None and w.review.current_id is not None)
    aid = w.review.current_id
    w.actions_by_name["table"].trigger()
    assert not c.is_grid() and c.current_row() == 3 and w.review.current_id == aid
    w.actions_by_name["grid"].trigger()
    assert c.is_grid() and c.current_row() == 3
    # Sorting by a column runs in SQL: the model's query changes, no proxy model.
    with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
        w.model.sort(0, Qt.SortOrder.DescendingOrder)
    shown = [w.model.row_data(i).asset.id for i in range(14)]
    q = AssetQuery(sort=Sort.TITLE, descending=True)
    got: list[list[int]] = []
    Op(lambda d: d.asset_ids(q)).success(got.append).run()
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT)
    assert shown == got[0] and w.model.query.sort is Sort.TITLE


def test_search_and_vocabulary_filters(app_without_model: Any, qtbot: Any) -> None:
    w = app_without_model.window
    f = w.collection.filters
    qtbot.waitUntil(lambda: f.combos[Field.MEDIUM].count() > 1, timeout=WAIT)
    medium = f.combos[Field.MEDIUM].itemData(1)
    with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
        f.combos[Field.MEDIUM].setCurrentIndex(1)
    assert all(
        w.model.row_data(i).asset.value(Field.MEDIUM) == medium for i in range(w.model.rowCount())
    )
    f.combos[Field.MEDIUM].setCurrentIndex(0)
    w.actions_by_name["search"].trigger()
    assert f.search.hasFocus() or not w.isActiveWindow()
    title = "no title like this xyz"
    qtbot.keyClicks(f.search, title)
    qtbot.waitUntil(lambda: w.model.query.text == title, timeout=WAIT)
    qtbot.waitUntil(lambda: w.model.rowCount() == 0, timeout=WAIT)


def test_edit_history_and_undo_through_the_form(app_without_model: Any, qtbot: Any) -> None:
    w = app_without_model.window
    w.collection.set_current_row(1)
    qtbot.waitUntil(lambda: w.review.detail is not None, timeout=WAIT)
    aid = w.review.detail.asset.id
    title = w.form.editors[Field.TITLE]
    title.setText("A new title")
    with qtbot.waitSignal(app_without_model.executor.changes, timeout=WAIT):
        title.editingFinished.emit()
    qtbot.waitUntil(
        lambda: (
            w.review.detail is not None
            and w.review.detail.asset.id == aid
            and w.review.detail.asset.title == "A new title"
        ),
        timeout=WAIT,
    )
    got: list[Any] = []
    w.review.history(got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=WAIT)
    assert [(d.field, d.action.value, d.new_value) for d in got[0]] == [
        (Field.TITLE, "edit", "A new title")
    ]
    from heritage_desk.gui.dialogs import HistoryDialog

    dlg = HistoryDialog("t", got[0], w)
    assert dlg.table.rowCount() == 1 and dlg.table.item(0, 1).text() == "tester"
    dlg.close()
    with qtbot.waitSignal(app_without_model.executor.changes, timeout=WAIT):
        w.actions_by_name["undo"].trigger()
    qtbot.waitUntil(
        lambda: w.review.detail is not None and w.review.detail.asset.title != "A new title",
        timeout=WAIT,
    )


def test_every_action_is_in_a_menu_and_in_the_shortcuts_help(app_without_model: Any) -> None:
    w = app_without_model.window
    in_menus = {a for m in w.menuBar().findChildren(type(w.menuBar().actions()[0].menu()))
                for a in m.actions()}  # fmt: skip
    for name in ("accept", "reject", "next", "prev", "undo", "redo", "search", "pick1", "pick5"):
        assert w.actions_by_name[name] in in_menus, name
    sheet = w.open_shortcuts()
    rows = sheet.rows()
    assert rows["Accept the focused suggestion"].startswith("A")
    assert rows["Accept both (artist and date)"] == "Shift+A"
    assert "Ctrl+Z" in rows["Undo"]
    assert rows["Pick candidate 3"] == "3"
    sheet.dismiss()


def test_settings_dialog_and_window_state_persist(app_without_model: Any) -> None:
    from heritage_desk.gui.settings import AppSettings, SettingsDialog

    w = app_without_model.window
    dlg = SettingsDialog(w.settings, w)
    dlg.reviewer.setText("Ada")
    dlg.device.setCurrentIndex(dlg.device.findData("cpu"))
    dlg.threads.setValue(1)
    dlg.accept()
    again = AppSettings()
    assert (again.reviewer, again.device, again.torch_threads) == ("Ada", "cpu", 1)
    w.collection.show_grid(False)
    w.save_state()
    assert QSettings().value("window/view") == "table"


def test_import_dialog_maps_columns_and_reports(
    app_without_model: Any, qtbot: Any, tmp_path: Path, aic_demo_dir: Path
) -> None:
    w = app_without_model.window
    folder = tmp_path / "more"
    folder.mkdir()
    with open(aic_demo_dir / "labels.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[-3:]
    with open(folder / "records.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["File", "Creator", "Object Date", "Title"])
        for r in rows:
            name = Path(r["image_file"]).name
            shutil.copyfile(aic_demo_dir / r["image_file"], folder / name)
            out.writerow([name, r["artist"], r["date_display"], r["title"]])
    dlg = w.open_import()
    dlg.images.setText(str(folder))
    dlg.csv.setText(str(folder / "records.csv"))
    dlg.load_columns()
    qtbot.waitUntil(lambda: dlg.mapping_box.isEnabled(), timeout=WAIT)
    assert dlg.mapping() == {"image_file": "File", "artist": "Creator", "date": "Object Date",
                             "title": "Title"}  # fmt: skip
    with qtbot.waitSignal(dlg.finished_job, timeout=WAIT):
        dlg.start_button.click()
    assert "added: 3" in dlg.report.toPlainText()
    qtbot.waitUntil(lambda: w.model.rowCount() == 17, timeout=WAIT)
    dlg.close()


def test_a_large_catalogue_is_fetched_page_by_page(
    tmp_path: Path, qtbot: Any, isolated_settings: None
) -> None:
    from benchmarks.bench_gui import _images
    from benchmarks.big_catalogue import build_big_catalogue
    from heritage_desk.gui.collection_model import PAGE

    path = tmp_path / "big.sqlite"
    build_big_catalogue(path, 5000, _images(), size=(224, 224), suggestions=True)
    desk = open_desk(path, tmp_path)
    try:
        w = desk.window
        w.show()
        qtbot.waitUntil(lambda: w.model.rowCount() == 5000, timeout=WAIT)
        assert len(w.model._pages) <= 2  # only what is on screen
        assert w.model.data(w.model.index(4999, 0)) == "…"  # a placeholder while it loads
        qtbot.waitUntil(lambda: w.model.row_data(4999, fetch=False) is not None, timeout=WAIT)
        assert w.model.data(w.model.index(4999, 0)) == "Painting number 5000"
        assert len(w.model._pages) <= 4 < 5000 // PAGE
    finally:
        desk.close()


def test_detail_image_zooms_pans_and_fits(app_without_model: Any, qtbot: Any) -> None:
    w = app_without_model.window
    w.resize(1280, 820)
    w.collection.set_current_row(2)
    qtbot.waitUntil(w.image.has_image, timeout=WAIT)
    # The preview arrives from the loader thread (1600 px, decoded with Pillow, not Qt).
    qtbot.waitUntil(lambda: app_without_model.previews.pending_count() == 0, timeout=WAIT)
    fitted = w.image.zoom_level()
    w.actions_by_name["zoom_in"].trigger()
    w.actions_by_name["zoom_in"].trigger()
    assert w.image.zoom_level() == pytest.approx(fitted * 1.5625)
    # Zoomed past the view: there is something to pan to (across or down, by the image's shape).
    bars = (w.image.horizontalScrollBar(), w.image.verticalScrollBar())
    bar = max(bars, key=lambda b: b.maximum())
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    w.actions_by_name["zoom_fit"].trigger()
    assert w.image.zoom_level() == pytest.approx(fitted, rel=0.05)


def test_about_names_the_version_the_model_and_the_licences(
    app_without_model: Any, qtbot: Any
) -> None:
    from heritage_desk import __version__
    from heritage_desk.gui.dialogs import AboutDialog

    w = app_without_model.window
    w.actions_by_name["about"].trigger()
    qtbot.waitUntil(lambda: bool(w.findChildren(AboutDialog)), timeout=WAIT)
    dlg = w.findChildren(AboutDialog)[0]
    text = dlg.details.toPlainText()
    assert f"heritage-desk {__version__}" in text
    assert "Apache-2.0" in text and "PySide6" in text
    dlg.close()


def test_check_catalogue_menu_reports_a_sound_catalogue(app_without_model: Any, qtbot: Any) -> None:
    from PySide6.QtWidgets import QMessageBox

    w = app_without_model.window
    w.actions_by_name["check"].trigger()
    qtbot.waitUntil(lambda: bool(w.findChildren(QMessageBox)), timeout=WAIT)
    box = w.findChildren(QMessageBox)[0]
    assert box.text() == "The catalogue is sound.", box.detailedText()
    assert "images checked: 14" in box.detailedText()
    box.close()
