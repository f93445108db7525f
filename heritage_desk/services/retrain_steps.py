"""A retrain as the window runs it: prepare and finish on the catalogue executor, the child
process watched on the supervisor thread (workers.retrain drives it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from heritage_desk.core.progress import CancelToken
from heritage_desk.services import retrain_protocol as protocol

if TYPE_CHECKING:
    from heritage_desk.services.desk import Desk
    from heritage_desk.services.retrain import ChildOutcome, RetrainJob, RetrainResult

_EPOCH = re.compile(r"epoch (\d+): loss ([0-9.]+)")


@dataclass(frozen=True)
class Finished:
    """A child that ended, with the loss curve its progress lines reported."""

    job: RetrainJob
    outcome: ChildOutcome
    curves: dict[str, list[float]] = field(default_factory=dict)


class RetrainSteps:
    """prepare (executor) -> run the child (supervisor thread) -> register (executor)."""

    def prepare(self, desk: Desk) -> RetrainJob:
        return desk.prepare_retrain()

    def run(
        self, job: RetrainJob, on_event: Callable[[protocol.Event], None], cancel: CancelToken
    ) -> Finished:
        curves: dict[str, list[float]] = {"loss": []}

        def relay(ev: protocol.Event) -> None:
            m = _EPOCH.search(ev.message) if isinstance(ev, protocol.TrainingProgress) else None
            if m:
                curves["loss"].append(float(m.group(2)))
            on_event(ev)

        return Finished(job, job.run_to_outcome(cancel=cancel, on_event=relay), curves)

    def finish(self, desk: Desk, result: Finished) -> RetrainResult:
        # The model store keeps the curves with the version's files (and in a shared catalogue).
        curves = result.curves if result.curves["loss"] else None
        return desk.register_retrain(result.job, result.outcome, curves)
