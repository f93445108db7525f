"""Named, typed operations the window runs: one factory per Desk call (Anki's aqt/operations).

`operations.accept(aid, picks, who, initiator=self).success(done).run()`: the GUI builds what
it needs here and never writes a lambda over the Desk itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from heritage_desk.core.batch import BatchItem
from heritage_desk.core.model import Changes, Decision, Field, Suggestion
from heritage_desk.core.progress import CancelToken, ProgressCallback
from heritage_desk.core.query import AssetQuery
from heritage_desk.core.undo_steps import Undone, UndoState
from heritage_desk.core.views import AssetDetail, ModelReport, Page, Row
from heritage_desk.workers.ops import Op

if TYPE_CHECKING:
    from heritage_desk.services.desk import Desk, Pick

T = TypeVar("T")


# -- the collection -------------------------------------------------------------------------------


def page(q: AssetQuery, *, key: str | None = None) -> Op[Page]:
    return Op(lambda d: d.page(q), key=key)


def rows(q: AssetQuery) -> Op[list[Row]]:
    return Op(lambda d: d.rows(q))


def rows_by_id(asset_ids: Sequence[int]) -> Op[list[Row]]:
    ids = list(asset_ids)
    return Op(lambda d: d.rows_by_id(ids))


def vocabulary(fields: Sequence[Field]) -> Op[dict[Field, list[str]]]:
    wanted = list(fields)
    return Op(lambda d: d.vocabulary(wanted), key="vocabulary", background=True)


def stats() -> Op[dict[str, int]]:
    return Op(lambda d: d.stats(), key="stats", background=True)


def reviewed_count(q: AssetQuery) -> Op[int]:
    """How many assets of `q` the *Reviewed* filter would keep (the progress counter).

    Not a background op: it runs in order with the decisions, so none is counted twice.
    """
    if q.reviewed is False:
        return Op(lambda _d: 0, key="reviewed-count")
    both = replace(q, reviewed=True).page(0, 0)
    return Op(lambda d: d.page(both).count, key="reviewed-count")


def position(q: AssetQuery, asset_id: int) -> Op[int | None]:
    """The row of `asset_id` in `q`'s order, None when `q` does not hold it (session restore)."""
    whole = replace(q, offset=0, limit=None)

    def find(d: Desk) -> int | None:
        ids = d.asset_ids(whole)
        return ids.index(asset_id) if asset_id in ids else None

    return Op(find, key="position")


# -- one asset and its decisions ------------------------------------------------------------------


def detail(asset_id: int) -> Op[AssetDetail]:
    return Op(lambda d: d.detail(asset_id))


def history(asset_id: int) -> Op[list[Decision]]:
    return Op(lambda d: d.history(asset_id))


def accept(asset_id: int, picks: Sequence[Pick], who: str, *, initiator: object) -> Op[Changes]:
    chosen = list(picks)
    return Op(lambda d: d.accept(asset_id, chosen, who), initiator=initiator)


def reject(asset_id: int, rejects: Sequence[Pick], who: str, *, initiator: object) -> Op[Changes]:
    chosen = list(rejects)
    return Op(lambda d: d.reject(asset_id, chosen, who), initiator=initiator)


def edit(asset_id: int, field: Field, value: str, who: str, old: str | None, *,
         initiator: object) -> Op[Changes]:  # fmt: skip
    return Op(lambda d: d.edit(asset_id, field, value, who, old), initiator=initiator)


def flag(asset_id: int, note: str, who: str, *, initiator: object) -> Op[Changes]:
    return Op(lambda d: d.flag(asset_id, note, who), initiator=initiator)


def unflag(asset_id: int, who: str, *, initiator: object) -> Op[Changes]:
    return Op(lambda d: d.unflag(asset_id, who), initiator=initiator)


def undo(who: str, *, initiator: object) -> Op[Undone]:
    return Op(lambda d: d.undo_named(who), initiator=initiator)


def redo(who: str, *, initiator: object) -> Op[Undone]:
    return Op(lambda d: d.undo_named(who, redo=True), initiator=initiator)


def undo_to(who: str, step: str, *, initiator: object) -> Op[Undone]:
    return Op(lambda d: d.undo_to(who, step), initiator=initiator)


def undo_state(who: str, depth: int = 1, redo: bool = True) -> Op[UndoState]:
    # After what the curator waits for: the menu's words may come a moment later.
    return Op(
        lambda d: d.undo_state(who, depth, redo),
        key=f"undo-state:{depth}:{redo}",
        background=True,
    )


def batch_candidates(q: AssetQuery, field: Field | None, threshold: float, *,
                     initiator: object) -> Op[list[BatchItem]]:  # fmt: skip
    return Op(
        lambda d: d.batch_candidates(q, field, threshold), key="batch-preview", initiator=initiator
    )


def accept_batch(items: Sequence[tuple[int, Suggestion]], who: str, *,
                 initiator: object) -> Op[Changes]:  # fmt: skip
    chosen = list(items)
    return Op(lambda d: d.accept_batch(chosen, who), initiator=initiator)


def batch_accept(q: AssetQuery, field: Field | None, threshold: float, who: str, *,
                 initiator: object = None) -> Op[Changes]:  # fmt: skip
    return Op(lambda d: d.batch_accept(q, field, threshold, who), initiator=initiator)


def needing_suggestions(*, embed_all: bool = True) -> Op[list[int]]:
    return Op(lambda d: d.needing_suggestions(embed_all=embed_all), background=True)


# -- import, export, check ------------------------------------------------------------------------


def csv_columns(path: str, *, initiator: object) -> Op[tuple[list[str], dict[str, str]]]:
    return Op(lambda d: d.csv_columns(path), key="import-columns", initiator=initiator)


def import_collection(images: str, csv_path: str | None, mapping: dict[str, str] | None,
                      progress: ProgressCallback, cancel: CancelToken, *,
                      initiator: object = None) -> Op[Any]:  # fmt: skip
    return Op(
        lambda d: d.import_collection(images, csv_path, mapping, progress, cancel),
        initiator=initiator,
    )


def export_csv(out: str, bom: bool, progress: ProgressCallback, cancel: CancelToken, *,
               force: bool = False, initiator: object = None) -> Op[Any]:  # fmt: skip
    return Op(lambda d: d.export_csv(out, bom, progress, cancel, force=force), initiator=initiator)


def check_catalogue() -> Op[tuple[bool, list[str]]]:
    return Op(lambda d: d.check_catalogue())


# -- models ---------------------------------------------------------------------------------------


def model_in_use() -> Op[str | None]:
    return Op(lambda d: d.model_in_use(), key="active-model", background=True)


def team_changes() -> Op[Changes]:
    """What other curators changed since the last poll (gui.team_follow)."""
    return Op(lambda d: d.team_changes(), key="team-watch", background=True)


def model_report(*, initiator: object) -> Op[ModelReport]:
    return Op(lambda d: d.model_report(), key="model-report", initiator=initiator)


def activate_model(version: str, *, initiator: object) -> Op[Changes]:
    return Op(lambda d: d.activate_model(version), initiator=initiator)


def should_retrain() -> Op[bool]:
    return Op(lambda d: d.should_retrain())


# -- work that needs no catalogue, kept off the GUI thread ----------------------------------------


def off_thread(fn: Callable[[], T]) -> Op[T]:
    """A slow call that touches no catalogue (the About box's versions), in the background."""
    return Op(lambda _d: fn(), background=True)
