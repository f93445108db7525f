"""The model panel's figures and the retrain message agree (issue 12): after a real retrain in a
child process, the new version's decade figure in the table is the one the message states, the
active model's figure on the same works stands beside it, and every row says which works its
figures were measured on (the starter's own held-out training works are not this catalogue's)."""

from __future__ import annotations

from typing import Any

import pytest

from heritage_desk.core.model_figures import FIGURES, figure_text, measured_on

pytestmark = [pytest.mark.gui, pytest.mark.slow]
WAIT = 120_000


def _cells(panel: Any, row: int) -> dict[str, str]:
    t = panel.table
    heads = [t.horizontalHeaderItem(j).text() for j in range(t.columnCount())]
    return {h: (t.item(row, j).text() if t.item(row, j) else "") for j, h in enumerate(heads)}


def test_the_table_and_the_retrain_message_state_the_same_decade_figures(
    app_after_background_pass: Any, qtbot: Any
) -> None:
    app = app_after_background_pass
    panel = app.window.open_model_panel()
    qtbot.waitUntil(lambda: panel.report is not None, timeout=WAIT)
    with qtbot.waitSignal(app.retrain.finished, timeout=WAIT) as done:
        panel.retrain_button.click()
    result = done.args[0]
    assert result.baseline is not None, "the starter was not measured on the held-out works"
    qtbot.waitUntil(lambda: panel.table.rowCount() >= 2, timeout=WAIT)
    versions = [v.version for v in panel.report.versions]
    new = _cells(panel, versions.index(result.version.version))
    starter = _cells(panel, versions.index(next(v for v in versions if v.startswith("starter"))))
    n = int(result.metrics["n"])
    where = measured_on({"holdout_n": result.metrics["n"]})
    assert where == f"{n} held-out work{'s' * (n != 1)} of this catalogue"
    assert new["measured on"] == where
    assert starter["measured on"].endswith("held-out works of its training data")
    label = dict((k, lab) for k, lab, _ in FIGURES)["decade_acc"]
    now = figure_text("decade_acc", result.metrics["decade_acc"])
    before = figure_text("decade_acc", result.baseline["decade_acc"])
    # One number, one wording: the table's cell, the panel's message, the version's note.
    assert new[label] == f"{now} (active model then: {before})"
    said = f"{label} {now} vs {before}"
    assert said in panel.status.text() and said in result.reason
    assert f"on the same {where}" in result.reason
    panel.close()
