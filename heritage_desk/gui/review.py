"""The review flow: which asset is current, its detail (prefetched), and the curator's decisions."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from heritage_desk.core.model import PREDICTED_FIELDS, Changes, Field, Suggestion, needs_value
from heritage_desk.core.undo_steps import Undone
from heritage_desk.core.views import AssetDetail
from heritage_desk.gui.collection_model import CollectionModel
from heritage_desk.gui.collection_view import CollectionView
from heritage_desk.gui.settings import AppSettings
from heritage_desk.workers import operations
from heritage_desk.workers.inference import InferenceWorker
from heritage_desk.workers.ops import Op

log = logging.getLogger(__name__)

#: Details kept in memory (the current one, its neighbours, recent ones).
CACHE = 64
#: How many assets ahead to prefetch and have suggested.
AHEAD = 3


class ReviewController(QObject):
    """Keeps the detail panels on the current asset and turns keys into review ops."""

    #: The detail now on screen (None: nothing selected), and whether it is final.
    detail_changed = Signal(object)
    #: A short message for the status bar.
    message = Signal(str)
    #: An op changed the catalogue (undo/redo availability may have changed).
    decided = Signal(object)
    #: The field A, R and 1-5 now act on.
    focus_changed = Signal(object)
    #: An undo or redo ran: core.undo_steps.Undone (what it reversed, what is next).
    undone = Signal(object)

    def __init__(
        self,
        view: CollectionView,
        settings: AppSettings,
        inference: InferenceWorker | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.view = view
        self.model: CollectionModel = view.model
        self.settings = settings
        self.inference = inference
        self.current_id: int | None = None
        self.detail: AssetDetail | None = None
        self._cache: OrderedDict[int, AssetDetail] = OrderedDict()
        self._loading: set[int] = set()
        self._asked: set[int] = set()  # assets already sent to inference this session
        self.last_shown_at = 0.0
        self.focus_field = Field.ARTIST
        #: The year range the date editor shows (set by the window): accepted as edited.
        self.date_range: Callable[[], tuple[int, int]] | None = None
        view.current_changed.connect(self._on_current_row)
        self.model.page_loaded.connect(lambda _p: self._on_current_row(view.current_row()))

    # -- showing ------------------------------------------------------------------------------

    def _on_current_row(self, row: int) -> None:
        r = self.model.row_data(row) if row >= 0 else None
        if r is None:
            if row < 0:  # nothing selected (an empty filter)
                self.current_id = None
                self._show(None, None)
            return
        if r.asset.id == self.current_id and self.detail is not None:
            return
        self.current_id = r.asset.id
        self.focus_field = Field.ARTIST  # each asset starts on its artist
        cached = self._cache.get(r.asset.id)
        if cached is not None:
            self._show(r.asset.id, cached)
        else:
            self._show(r.asset.id, None)
            self._load(r.asset.id)
        self._prefetch(row)

    def _show(self, asset_id: int | None, detail: AssetDetail | None) -> None:
        if asset_id != self.current_id and asset_id is not None:
            return
        self.detail = detail
        self.last_shown_at = time.perf_counter()
        self.detail_changed.emit(detail)
        if detail is not None and not detail.suggestions and self._needs_suggestions(detail):
            self._ask_inference([detail.asset.id])

    def _load(self, asset_id: int) -> None:
        if asset_id in self._loading:
            return
        self._loading.add(asset_id)
        operations.detail(asset_id).success(self._on_loaded).failure(
            lambda e: self._on_load_failed(asset_id, e)
        ).run()

    def _on_loaded(self, detail: AssetDetail) -> None:
        aid = detail.asset.id
        self._loading.discard(aid)
        self._cache[aid] = detail
        self._cache.move_to_end(aid)
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        if aid == self.current_id:
            self._show(aid, detail)

    def _on_load_failed(self, asset_id: int, exc: Exception) -> None:
        self._loading.discard(asset_id)
        self.message.emit(f"Could not load asset #{asset_id}: {exc}")

    def _prefetch(self, row: int) -> None:
        """Load the next assets' details and have them suggested before the curator gets there."""
        ask = []
        for r in range(row + 1, min(row + 1 + AHEAD, self.model.rowCount())):
            nxt = self.model.row_data(r)
            if nxt is None:
                continue
            if nxt.asset.id not in self._cache:
                self._load(nxt.asset.id)
            if nxt.artist is None and nxt.date is None and self._missing(nxt.asset):
                ask.append(nxt.asset.id)
        if ask:
            self._ask_inference(ask)

    @staticmethod
    def _missing(asset: Any) -> bool:
        return any(needs_value(asset, f) for f in PREDICTED_FIELDS)

    def _needs_suggestions(self, detail: AssetDetail) -> bool:
        return self._missing(detail.asset)

    def _ask_inference(self, ids: list[int]) -> None:
        ids = [i for i in ids if i not in self._asked]
        if self.inference is None or not ids:
            return
        self._asked.update(ids)
        self.inference.request(ids)

    def on_changes(self, changes: Changes, _initiator: object = None) -> None:
        """Forget cached details that `changes` touched and reload the current one if needed."""
        if changes.model or changes.assets:
            self._cache.clear()
            self._asked.clear()
        else:
            for i in changes.asset_ids:
                self._cache.pop(i, None)
        cur = self.current_id
        if cur is not None and (changes.model or cur in changes.asset_ids):
            self._load(cur)

    # -- deciding -----------------------------------------------------------------------------

    @property
    def reviewer(self) -> str:
        return self.settings.reviewer

    def run_decision(self, what: str, op: Op[Changes], advance: bool = False) -> None:
        """Run a decision op; with `advance`, move on at once (the op finishes meanwhile)."""
        asset_id = self.current_id

        def done(ch: Changes) -> None:
            self.decided.emit(ch)
            if asset_id is not None and asset_id != self.current_id:
                return
            self.message.emit(what)

        op.success(done).failure(lambda e: self.message.emit(f"{what} failed: {e}")).run()
        if advance:
            self.view.step(+1)

    # One field at a time (issue 17 item 6): A, R and 1-5 act on the focused suggestion only.

    def focused(self) -> Field:
        """The field A, R and 1-5 act on: the one chosen, else the first still pending."""
        d = self.detail
        pending = d.pending_fields() if d is not None else []
        if self.focus_field in pending or not pending:
            return self.focus_field
        return pending[0]

    def set_focus(self, field: Field) -> None:
        """Make A, R and 1-5 act on `field`."""
        self.focus_field = field
        self.focus_changed.emit(field)

    def switch_focus(self) -> None:
        """Artist <-> date."""
        self.set_focus(Field.DATE if self.focused() is Field.ARTIST else Field.ARTIST)

    def _decide_one(self, f: Field, s: Suggestion) -> None:
        """Accept `s` for `f`; move on when nothing else is pending, else focus the other field."""
        d = self.detail
        assert d is not None
        aid, who = d.asset.id, self.reviewer
        s = self._with_range(s)
        rest = [g for g in d.pending_fields() if g is not f]
        self._cache.pop(aid, None)
        if rest:
            self.set_focus(rest[0])
        what = f"Accepted {f.value} {s.value} (suggestion {s.rank})"
        self.run_decision(
            what, operations.accept(aid, [(f, s)], who, initiator=self), advance=not rest
        )

    def _with_range(self, s: Suggestion) -> Suggestion:
        """A date suggestion with the range the curator edited before accepting."""
        if s.field is not Field.DATE or self.date_range is None:
            return s
        a, b = self.date_range()
        if (a, b) == (s.year_from, s.year_to) or a > b:
            return s
        return replace(s, value=str(a) if a == b else f"{a}–{b}", year_from=a, year_to=b)

    def accept(self) -> None:
        """Accept the top suggestion of the focused field (artist or date)."""
        d = self.detail
        if d is None:
            return
        if not d.pending_fields():
            self.view.step(+1)
            return
        f = self.focused()
        if f not in d.pending_fields():
            self.message.emit(f"No {f.value} suggestion to accept")
            return
        self._decide_one(f, d.candidates(f)[0])

    def accept_both(self) -> None:
        """Accept the top artist and the top date together, then go to the next asset."""
        d = self.detail
        if d is None:
            return
        pending = d.pending_fields()
        if not pending:
            self.view.step(+1)
            return
        aid, who = d.asset.id, self.reviewer
        picks = [(f, self._with_range(d.candidates(f)[0])) for f in pending]
        self._cache.pop(aid, None)
        names = ", ".join(s.value for _, s in picks)
        self.run_decision(
            f"Accepted {names}", operations.accept(aid, picks, who, initiator=self), advance=True
        )

    def pick(self, rank: int) -> None:
        """Accept candidate `rank` (1-5) of the focused field only."""
        d = self.detail
        if d is None:
            return
        f = self.focused()
        cands = d.candidates(f)
        if f not in d.pending_fields() or not 1 <= rank <= len(cands):
            self.message.emit(f"No {f.value} candidate {rank}")
            return
        self._decide_one(f, cands[rank - 1])

    def reject(self) -> None:
        """Reject the top suggestion of the focused field (the next candidate moves up)."""
        d = self.detail
        if d is None:
            return
        f = self.focused()
        if f not in d.pending_fields():
            return
        top = d.candidates(f)[0]
        aid, who = d.asset.id, self.reviewer
        self._cache.pop(aid, None)
        self.run_decision(
            f"Rejected {top.value}", operations.reject(aid, [(f, top)], who, initiator=self)
        )

    def edit(self, field: Field, value: str) -> None:
        """Set a field to a typed value; known-field edits make the model suggest again."""
        d = self.detail
        if d is None:
            return
        aid, who = d.asset.id, self.reviewer
        old = d.asset.value(field)
        self._cache.pop(aid, None)

        def after(ch: Changes) -> None:
            self.decided.emit(ch)
            self.message.emit(f"{field.value.capitalize()} set to {value or '(unknown)'}")
            self._asked.discard(aid)
            self._ask_inference([aid])  # a known field changed: the suggestions may too

        operations.edit(aid, field, value, who, old, initiator=self).success(after).failure(
            lambda e: self.message.emit(f"Edit failed: {e}")
        ).run()

    def undo(self) -> None:
        """Undo this reviewer's last step and show the asset it touched."""
        who = self.reviewer
        operations.undo(who, initiator=self).success(lambda u: self._after_undo(u, "Undone")).run()

    def redo(self) -> None:
        """Redo this reviewer's last undo."""
        who = self.reviewer
        operations.redo(who, initiator=self).success(lambda u: self._after_undo(u, "Redone")).run()

    def undo_to(self, step: str) -> None:
        """Undo every step down to and including `step` (the undo history list)."""
        who = self.reviewer
        operations.undo_to(who, step, initiator=self).success(
            lambda u: self._after_undo(u, "Undone")
        ).failure(lambda e: self.message.emit(f"Undo failed: {e}")).run()

    def _after_undo(self, undone: Undone, word: str) -> None:
        ch = undone.changes
        self.undone.emit(undone)
        self.decided.emit(ch)
        if undone.step is None or not ch.asset_ids:
            self.message.emit(f"Nothing to {word.lower()[:-2]}")
            return
        self.message.emit(f"{word}: {undone.step.label}")
        if len(ch.asset_ids) == 1:
            (aid,) = ch.asset_ids
            if ch.fields:
                # A known field went back (or forth): the stored suggestions were made with the
                # other value, and a field unknown again has none. Suggest it afresh; rejected
                # values stay rejected.
                self._asked.discard(aid)
                self._ask_inference([aid])
            row = self.model.row_of(aid)
            if row is not None:
                self.view.set_current_row(row)

    def history(self, cb: Callable[[list[Any]], None]) -> None:
        """Fetch the current asset's decisions and hand them to `cb`."""
        if self.current_id is None:
            return
        aid = self.current_id
        operations.history(aid).success(cb).run()
