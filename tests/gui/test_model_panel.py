"""The model panel with a real retrain child process: progress, a new version, rollback, cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from heritage_desk.core.model import Field
from tests.gui.conftest import Collection, open_model_desk

pytestmark = [pytest.mark.gui, pytest.mark.slow]
WAIT = 120_000


def test_panel_retrains_in_a_child_and_rolls_back(
    app_after_background_pass: Any, qtbot: Any
) -> None:
    w = app_after_background_pass.window
    panel = w.open_model_panel()
    qtbot.waitUntil(lambda: panel.report is not None, timeout=WAIT)
    assert "Runs on" in panel.device.text()
    progress: list[Any] = []
    app_after_background_pass.retrain.progressed.connect(progress.append)
    with qtbot.waitSignal(app_after_background_pass.retrain.finished, timeout=WAIT) as done:
        panel.retrain_button.click()
        assert panel.cancel_button.isVisible() or app_after_background_pass.retrain.running()
    result = done.args[0]
    assert result.status in ("activated", "kept"), result.reason
    assert progress, "no progress reported by the child"
    qtbot.waitUntil(lambda: panel.table.rowCount() >= 2, timeout=WAIT)
    versions = panel.report.versions
    assert any(v.version == result.version.version for v in versions)
    assert "held-out" in panel.header.text() or "Active model" in panel.header.text()
    # Roll back: make the version that is not active the active one.
    row = next(i for i, v in enumerate(versions) if not v.active)
    target = versions[row].version
    panel.table.selectRow(row)
    assert panel.activate.isEnabled()
    with qtbot.waitSignal(app_after_background_pass.executor.changes, timeout=WAIT) as ch:
        panel.activate.click()
    assert ch.args[0].model
    qtbot.waitUntil(
        lambda: panel.report is not None and panel.report.active == target, timeout=WAIT
    )
    qtbot.waitUntil(lambda: w.model_version == target, timeout=WAIT)
    panel.close()


def test_cancelling_a_retrain_keeps_the_active_model(
    app_after_background_pass: Any, qtbot: Any
) -> None:
    from heritage_desk.workers.ops import Op

    before: list[Any] = []
    Op(lambda d: d.model_in_use()).success(before.append).run()
    qtbot.waitUntil(lambda: bool(before), timeout=WAIT)
    sup = app_after_background_pass.retrain
    started: list[dict[str, Any]] = []
    sup.child_event.connect(lambda ev: started.append(ev))
    assert sup.start()
    qtbot.waitUntil(lambda: bool(started), timeout=WAIT)  # the child is running
    with qtbot.waitSignal(sup.failed, timeout=WAIT) as failed:
        sup.cancel()
    assert "cancelled" in failed.args[0]
    after: list[Any] = []
    Op(lambda d: d.model_in_use()).success(after.append).run()
    qtbot.waitUntil(lambda: bool(after), timeout=WAIT)
    assert after[0] == before[0] is not None
    assert not sup.running()
    from heritage_desk.storage.catalogue import Catalogue

    with Catalogue.open(
        app_after_background_pass.location, create=False
    ) as cat:  # a second, real connection
        assert cat.integrity_check() == []


def test_every_missing_artist_has_suggestions_after_the_background_pass(
    app_after_background_pass: Any, qtbot: Any
) -> None:
    from heritage_desk.core.query import AssetQuery
    from heritage_desk.storage.catalogue import Catalogue

    with Catalogue.open(
        app_after_background_pass.location, create=False
    ) as cat:  # a second, real connection
        missing = [
            a for a in cat.asset_ids(AssetQuery(missing_artist=True))
            if not cat.suggestions(a, Field.ARTIST)
        ]  # fmt: skip
    assert missing == []


def test_enough_confirmations_retrain_by_themselves_when_the_curator_pauses(
    collection: Collection,
    catalogue_copy: Path,
    tmp_path: Path,
    qtbot: Any,
    isolated_settings: None,
) -> None:
    app: Any = open_model_desk(
        collection, catalogue_copy, tmp_path, retrain_options={"confirmations_trigger": 2}
    )
    try:
        w = app.window
        w.show()
        app.start()
        app.idle_timer.setInterval(200)  # the pause that counts as idle (20 s in the app)
        qtbot.waitUntil(app.background_done, timeout=WAIT)
        with qtbot.waitSignal(w.model.loaded, timeout=WAIT):
            w.collection.filters.missing_artist.setChecked(True)
        with qtbot.waitSignal(app.retrain.started, timeout=WAIT):
            for _ in range(2):
                qtbot.waitUntil(
                    lambda: w.review.detail is not None and bool(w.review.detail.suggestions),
                    timeout=WAIT,
                )
                with qtbot.waitSignal(w.review.decided, timeout=WAIT):
                    w.actions_by_name["accept"].trigger()
        qtbot.waitUntil(lambda: not app.retrain.running(), timeout=WAIT)
    finally:
        app.close()
