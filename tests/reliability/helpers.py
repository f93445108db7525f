"""Helpers for fault-injection tests: real child processes, kill -9, integrity checks."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from heritage_desk.core.model import Field, Provenance, Suggestion
from heritage_desk.storage.catalogue import Catalogue

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env.pop("HERITAGE_PAUSE_AT", None)
    env.update(extra)
    return env


def start_child(*args: str, **env: str) -> subprocess.Popen[str]:
    """`python -m tests.reliability.child ARGS` with stdout piped as text."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.child", *args],
        cwd=ROOT,
        env=child_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_until(proc: subprocess.Popen[str], prefix: str, timeout: float = 120) -> list[str]:
    """Lines the child printed up to the first starting with `prefix`, or up to its exit."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith(prefix):
            return lines
    return lines


def kill9(proc: subprocess.Popen[str]) -> None:
    """SIGKILL: no atexit, no finally, no flush; what a power cut looks like to the process."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def run_child(*args: str, timeout: float = 300, **env: str) -> list[str]:
    """Run a child to completion; its stdout lines (assert it succeeded)."""
    proc = start_child(*args, **env)
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"child {args} failed ({proc.returncode}):\n{err[-3000:]}"
    return out.splitlines()


def statements(lines: list[str]) -> int:
    return int(next(ln for ln in lines if ln.startswith("STATEMENTS")).split()[1])


def kill_at(n: int, *args: str, **env: str) -> list[str]:
    """Start a child, let it run to its nth SQL statement, kill -9 it there; its lines."""
    proc = start_child(*args, HERITAGE_PAUSE_AT=str(n), **env)
    lines = read_until(proc, "PAUSED")
    paused = bool(lines) and lines[-1].startswith("PAUSED")
    err = "" if paused or proc.stderr is None else proc.stderr.read()
    kill9(proc)
    assert paused, f"child never reached statement {n}: {lines[-3:]} {err[-2000:]}"
    return lines


def spread(total: int, k: int) -> list[int]:
    """k kill points spread over 1..total (first and last statements included)."""
    if total <= k:
        return list(range(1, total + 1))
    return sorted({1 + round(i * (total - 1) / (k - 1)) for i in range(k)})


def sqlite_integrity(path: Path) -> list[str]:
    """PRAGMA integrity_check and foreign_key_check straight through sqlite3 (not our code)."""
    conn = sqlite3.connect(path)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()
    return [r for r in rows if r != "ok"] + [f"fk {r}" for r in fk]


def catalogue_with_suggestions(location: str, n: int = 30) -> None:
    """n assets with a title and three artist and date suggestions each, nothing decided."""
    with Catalogue.open(location) as cat, cat.transaction():
        for i in range(n):
            a = cat.add_asset(f"img/{i:04d}.jpg", f"{i:064x}", width=10, height=10)
            cat.set_field(a, Field.TITLE, f"Work {i}", Provenance.IMPORTED)
            sugs = [
                Suggestion(Field.ARTIST, f"Artist {i % 7 + r}", 0.9 - 0.2 * r, r + 1, "m001")
                for r in range(3)
            ] + [
                Suggestion(Field.DATE, f"{1800 + 10 * r}s", 0.8 - 0.2 * r, r + 1, "m001",
                           1800 + 10 * r, 1809 + 10 * r)
                for r in range(3)
            ]  # fmt: skip
            cat.replace_suggestions(a, sugs)


def child_pids(parent: int, needle: str) -> list[int]:
    """Pids of live processes whose parent is `parent` and whose command line has `needle`."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and needle in cmd and fields[0] != "Z":
            out.append(int(d.name))
    return out


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def build_retrain_collection(
    root: Path, per_artist: int = 20, location: str | None = None
) -> tuple[Path, Path, Path]:
    """A catalogue of synthetic assets with cached lite0-sized embeddings and a toy starter.

    Returns (catalogue file, embeddings cache folder, starter checkpoint). No dataset needed.
    With `location` (a PostgreSQL URL) the assets go there instead of root/c.sqlite.
    """
    import numpy as np

    from heritage_desk.ml.checkpoint import save_checkpoint
    from heritage_desk.ml.data import Example
    from heritage_desk.ml.embeddings import EmbeddingCache
    from heritage_desk.ml.train import TrainConfig, train_head

    rng = np.random.default_rng(0)
    artists = ["Anna Alpha", "Bruno Beta", "Clara Gamma", "Dario Delta"]
    dim = 1280
    centers = rng.normal(size=(len(artists), dim)).astype(np.float32) * 3
    cache = EmbeddingCache(root / "cache")
    starter_ex, starter_x = [], []
    cat_path = root / "c.sqlite"
    with Catalogue.open(location or cat_path) as cat, cat.transaction():
        for k, artist in enumerate(artists):
            for j in range(per_artist * 2):
                x = centers[k] + rng.normal(size=dim).astype(np.float32)
                year = 1600 + 50 * k + j % 10
                if j < per_artist:  # the starter learned from these
                    starter_ex.append(Example(f"s{k}-{j}", artist, year, title=f"s{k}-{j}"))
                    starter_x.append(x)
                    continue
                checksum = f"{k:02d}{j:062x}"
                cache.put(checksum, "lite0", "full", x)
                a = cat.add_asset(f"{k}/{j}.jpg", checksum)
                cat.set_field(a, Field.ARTIST, artist, Provenance.IMPORTED)
                cat.set_field(a, Field.DATE, str(year), Provenance.IMPORTED,
                              year_from=year, year_to=year)  # fmt: skip
                cat.set_field(a, Field.TITLE, f"Work {k}-{j}", Provenance.IMPORTED)
    cfg = TrainConfig(epochs=5, shared_hidden=64, meta_hidden=8, batch_size=64, num_threads=1)
    tm = train_head(starter_ex, np.stack(starter_x), cfg, backbone="lite0")
    starter = save_checkpoint(tm, root / "starter" / "starter.safetensors")
    return cat_path, cache.root, starter


def asking_never_fails_a_start(asker: Any, starter: Any, holder: str) -> None:
    """Asserts a retrain lock's `busy()`, asked over and over on one thread, never makes
    `acquire()` on another fail (RetrainBusyError there was the bug, SQLite and PostgreSQL
    alike), and that it then reads the real holder's note (`holder`, e.g. "curator bob")."""
    stop = threading.Event()
    answers: list[bool] = []

    def ask() -> None:
        while not stop.is_set():
            answers.append(asker.busy())

    t = threading.Thread(target=ask)
    t.start()
    try:
        for _ in range(200):
            starter.acquire()
            starter.release()
    finally:
        stop.set()
        t.join()
    assert len(answers) > 20  # it asked all along, and saw the lock taken at times or not
    starter.acquire()
    try:
        assert asker.busy() and holder in asker.holder()
    finally:
        starter.release()
    assert not asker.busy()


def a_brief_hold_never_fails_a_start_unnamed(brief: Any, starter: Any, who: str) -> None:
    """Asserts that while `brief` takes and gives back the lock over and over (as a starting
    service does for an instant to clean its models folder), `starter.check_free()` and
    `starter.acquire()` either go ahead or name the holder (`who`, e.g. "curator alice"):
    never "already running" by nobody, which a holder letting go between the loser's failed
    try and its look at the note used to give (CI, the two-machines retrain test)."""
    stop = threading.Event()
    holds = 0

    def hold_briefly() -> None:
        nonlocal holds
        while not stop.is_set():
            with contextlib.suppress(RuntimeError):  # the starter holds it: try again
                brief.acquire()
                holds += 1
                time.sleep(0.02)
                brief.release()
            time.sleep(0.01)

    t = threading.Thread(target=hold_briefly)
    t.start()
    unnamed: list[str] = []
    refused = 0
    try:
        deadline = time.monotonic() + 10
        for i in itertools.count():  # until the two met often enough
            if (i >= 100 and refused >= 5) or time.monotonic() > deadline:
                break
            try:
                starter.check_free() if i % 2 else starter.acquire()
            except RuntimeError as exc:
                refused += 1
                if who not in str(exc):
                    unnamed.append(str(exc))
            else:
                starter.release()
    finally:
        stop.set()
        t.join()
    assert holds > 5 and refused >= 5, (holds, refused)  # the two met
    assert not unnamed, f"{len(unnamed)} of {refused} refusals named nobody: {unnamed[0]}"
