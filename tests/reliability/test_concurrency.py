"""Two curators on one catalogue: no lost update, the later one gets a clear ConflictError;
two processes on one SQLite file: the second waits or is refused, the file never corrupts.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from heritage_desk.core.model import Action, Field, Provenance
from heritage_desk.services.review import ReviewService
from heritage_desk.storage.catalogue import Catalogue
from heritage_desk.storage.errors import CatalogueLockedError, ConflictError
from tests.reliability.helpers import (
    catalogue_with_suggestions,
    kill9,
    read_until,
    sqlite_integrity,
    start_child,
)

N = 20


def _one_decision_per_asset(cat: Catalogue) -> dict[int, str]:
    """Each asset's artist decided exactly once, and the value is that decision's."""
    winners = {}
    for asset_id in cat.asset_ids():
        accepts = [d for d in cat.history(asset_id, Field.ARTIST) if d.action is Action.ACCEPT]
        assert len(accepts) == 1, f"asset #{asset_id}: {len(accepts)} accepts recorded"
        fv = cat.get_field(asset_id, Field.ARTIST)
        assert fv is not None and fv.value == accepts[0].new_value
        assert fv.reviewer == accepts[0].reviewer
        winners[asset_id] = accepts[0].reviewer
    return winners


@pytest.mark.postgres
def test_two_curators_same_asset_postgres_sequential(postgres_url: str) -> None:
    catalogue_with_suggestions(postgres_url, n=2)
    with Catalogue.open(postgres_url) as a, Catalogue.open(postgres_url) as b:
        ana, ben = ReviewService(a), ReviewService(b)
        seen_a = a.get_field(1, Field.ARTIST)
        seen_b = b.get_field(1, Field.ARTIST)  # both look at the empty field
        assert seen_a is None and seen_b is None
        s1, s2 = a.suggestions(1, Field.ARTIST)[:2]
        ana.accept(1, Field.ARTIST, s1, "ana", expected_old=None)
        with pytest.raises(ConflictError) as err:
            ben.accept(1, Field.ARTIST, s2, "ben", expected_old=None)
        msg = str(err.value)
        assert "ana" in msg and s1.value in msg and "reload" in msg and "\n" not in msg
        # Ben reloads, sees Ana's value and overrides it knowingly: that is not a lost update.
        ben.edit(1, Field.ARTIST, "Ben's choice", "ben", expected_old=s1.value)
        with pytest.raises(ConflictError, match="ben"):
            ana.edit(1, Field.ARTIST, "Ana again", "ana", expected_old=s1.value)
        assert [d.reviewer for d in a.history(1, Field.ARTIST)] == ["ana", "ben"]


@pytest.mark.postgres
def test_two_curators_racing_in_threads_postgres(postgres_url: str) -> None:
    """Each asset: both curators fire at the same instant (a barrier) on their own connection."""
    catalogue_with_suggestions(postgres_url, n=N)
    cats = [Catalogue.open(postgres_url), Catalogue.open(postgres_url)]
    barrier = threading.Barrier(2)
    outcome: dict[tuple[str, int], str] = {}
    errors: list[BaseException] = []

    def curator(name: str, cat: Catalogue, rank: int) -> None:
        review = ReviewService(cat)
        for asset_id in range(1, N + 1):
            sug = cat.suggestions(asset_id, Field.ARTIST)[rank]
            barrier.wait()
            try:
                review.accept(asset_id, Field.ARTIST, sug, name, expected_old=None)
                outcome[(name, asset_id)] = "ok"
            except ConflictError as exc:
                outcome[(name, asset_id)] = str(exc)
            except BaseException as exc:  # anything else is a failure of the test
                errors.append(exc)
                barrier.abort()
                raise

    threads = [
        threading.Thread(target=curator, args=("ana", cats[0], 0)),
        threading.Thread(target=curator, args=("ben", cats[1], 1)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    try:
        winners = _one_decision_per_asset(cats[0])
        for asset_id, winner in winners.items():
            loser = "ben" if winner == "ana" else "ana"
            assert outcome[(winner, asset_id)] == "ok"
            msg = outcome[(loser, asset_id)]
            assert "reload" in msg and f"#{asset_id}" in msg, msg
    finally:
        for c in cats:
            c.close()


def _race_processes(location: str) -> tuple[list[str], list[str]]:
    start = f"{time.time() + 3:.3f}"
    procs = [
        start_child("race", location, "ana", "1", start),
        start_child("race", location, "ben", "2", start),
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
        outs.append(out.splitlines())
    return outs[0], outs[1]


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_two_curator_processes_race_on_every_asset(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    location = (
        str(tmp_path / "c.sqlite")
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    catalogue_with_suggestions(location, n=N)
    ana, ben = _race_processes(location)
    with Catalogue.open(location) as cat:
        winners = _one_decision_per_asset(cat)
        assert cat.integrity_check() == []
    for name, lines in (("ana", ana), ("ben", ben)):
        confirmed = {int(ln.split()[1]) for ln in lines if ln.startswith("CONFIRMED")}
        conflicts = {int(ln.split()[1]) for ln in lines if ln.startswith("CONFLICT")}
        assert confirmed | conflicts == set(range(1, N + 1))
        assert confirmed == {a for a, w in winners.items() if w == name}
        for ln in lines:
            if ln.startswith("CONFLICT"):
                assert "reload the asset" in ln
    if backend == "sqlite":
        assert sqlite_integrity(Path(location)) == []


def test_second_sqlite_process_waits_then_sees_the_first_ones_work(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    catalogue_with_suggestions(str(path), n=3)
    holder = start_child("hold", str(path), "2")
    assert read_until(holder, "HOLDING")[-1] == "HOLDING"
    with Catalogue.open(path, busy_timeout_ms=20_000) as cat:
        t0 = time.monotonic()
        cat.set_field(2, Field.TITLE, "second", Provenance.CURATOR)
        waited = time.monotonic() - t0
        assert cat.get_asset(1).title == "held"  # the first writer's commit is there
    assert waited > 0.5
    holder.communicate(timeout=60)
    assert sqlite_integrity(path) == []


def test_second_sqlite_process_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    catalogue_with_suggestions(str(path), n=3)
    holder = start_child("hold", str(path), "30")
    try:
        assert read_until(holder, "HOLDING")[-1] == "HOLDING"
        with Catalogue.open(path, busy_timeout_ms=300) as cat:
            assert cat.get_asset(1).title == "Work 0"  # reading goes on (WAL)
            with pytest.raises(CatalogueLockedError, match="locked by another program"):
                ReviewService(cat).edit(2, Field.ARTIST, "x", "ben", expected_old=None)
    finally:
        kill9(holder)
    assert sqlite_integrity(path) == []
    with Catalogue.open(path) as cat:
        assert cat.get_asset(1).title == "Work 0"  # the killed holder's edit never committed
        assert cat.history(2) == []
