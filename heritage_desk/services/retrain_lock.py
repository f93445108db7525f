"""One retrain per catalogue at a time, across processes and machines.

SQLite: an OS lock on `retrain.lock` in the catalogue's models folder (beside the file):
`fcntl.flock` on POSIX, `msvcrt.locking` on Windows. Every process that opens the file through
that folder shares it (as far as the file system honours flock: local disks do, some network
shares do not). PostgreSQL: a session advisory lock in the catalogue's database
(storage.advisory), so two machines never retrain one shared catalogue at once. Either way the
OS or the server releases the lock when the holder dies in any way, kill -9 included, and
RetrainBusyError names the holder: curator, machine, process, since when.
"""

from __future__ import annotations

import abc
import contextlib
import errno
import getpass
import logging
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Self

from heritage_desk.storage.catalogue import Catalogue

LOCK_NAME = "retrain.lock"
#: What a non-blocking lock attempt fails with when someone else holds it (POSIX, Windows).
_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK}
#: How long RetrainLock.acquire() keeps trying a taken lock: another process's busy() holds it
#: for an instant to ask (flock and msvcrt have no portable test-without-taking), a retrain for
#: seconds or more. Without it, a curator starting at that instant was told "already running".
ASK_GRACE_S = 0.25

log = logging.getLogger(__name__)


class RetrainBusyError(RuntimeError):
    """A retrain of this catalogue is running already (in this or another process)."""

    def __init__(self, catalogue: str, holder: str = "") -> None:
        self.catalogue = catalogue
        self.holder = holder
        by = f" ({holder})" if holder else ""
        super().__init__(
            f"a retrain of catalogue {catalogue} is already running{by}; "
            "try again when it has finished"
        )


def current_curator() -> str:
    """Who this process retrains for: $HERITAGE_CURATOR, else the login name."""
    name = os.environ.get("HERITAGE_CURATOR", "").strip()
    if name:
        return name[:100]
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): the lock still names the machine
        return "unknown"


def holder_note(curator: str | None = None) -> str:
    """What a holder leaves for others: "curator X on HOST (process N) since TIME UTC"."""
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    who = curator or current_curator()
    return f"curator {who} on {socket.gethostname()} (process {os.getpid()}) since {since}"


class _OneHolder(abc.ABC):
    """What both retrain locks share: a context manager and `busy`, over their own
    non-blocking `acquire` (RetrainBusyError when taken), `release` and `held`."""

    catalogue: str  #: where the catalogue is, for RetrainBusyError

    @property
    @abc.abstractmethod
    def held(self) -> bool:
        """True while this object holds the lock."""

    @abc.abstractmethod
    def acquire(self) -> None:
        """Take the lock or raise RetrainBusyError naming the holder (never waits)."""

    @abc.abstractmethod
    def release(self) -> None:
        """Give the lock back (nothing when not held)."""

    @abc.abstractmethod
    def holder(self) -> str:
        """Who holds the lock, as its holder_note says, or "" when it left none."""

    @abc.abstractmethod
    def busy(self) -> bool:
        """True when another holder (process, machine or lock object) has the lock right now."""

    def check_free(self) -> None:
        """Raise RetrainBusyError naming the holder when another has the lock now; takes
        nothing that lasts. A holder that let go between the look and the note (a service
        cleaning its models folder holds it for an instant) counts as free."""
        deadline = time.monotonic() + ASK_GRACE_S
        while self.busy():
            self._refuse_unless_let_go(deadline)

    def _refuse_unless_let_go(self, deadline: float) -> None:
        """After a look found the lock taken: raise RetrainBusyError naming the holder, or
        return when it has no note yet and `deadline` is ahead (it let go: look again)."""
        holder = self.holder()
        if holder or time.monotonic() >= deadline:
            raise RetrainBusyError(self.catalogue, holder)

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class RetrainLock(_OneHolder):
    """An exclusive, non-blocking, cross-process lock on one catalogue's retraining.

    acquire() takes it or raises RetrainBusyError at once; release() (or the process ending)
    gives it back. A held lock may be released from another thread than the one that took it
    (the GUI prepares and registers on its executor, the child runs meanwhile).
    """

    def __init__(self, folder: Path, catalogue: str, curator: str | None = None) -> None:
        self.path = folder / LOCK_NAME
        self.catalogue = catalogue
        self.curator = curator
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._file is not None

    def acquire(self) -> None:
        """Take the lock or raise RetrainBusyError (never waits)."""
        if self._file is not None:
            raise RetrainBusyError(self.catalogue, "in this process")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Not "w": truncating before the lock is ours would wipe the holder's note.
        f = open(self.path, "a+b")  # noqa: SIM115  # kept open while the lock is held
        try:
            _lock_within(f, ASK_GRACE_S)
        except OSError as exc:
            if exc.errno not in _BUSY:
                # No lock support here (some network shares): retrain unguarded, as before.
                log.warning("cannot lock %s (%s): retraining without the guard", self.path, exc)
            else:
                f.close()
                raise RetrainBusyError(self.catalogue, self.holder()) from None
        self._file = f
        with contextlib.suppress(OSError):  # who holds it: only for the other side's message
            f.seek(0)
            f.truncate()
            f.write(holder_note(self.curator).encode())
            f.flush()

    def release(self) -> None:
        """Give the lock back (nothing when not held)."""
        f, self._file = self._file, None
        if f is None:
            return
        with contextlib.suppress(OSError):
            f.seek(0)
            f.truncate()  # the note goes with the lock: a later holder's asker never reads it
            _unlock(f)
        f.close()

    def busy(self) -> bool:
        """True when another holder has the lock. Asked by taking it for an instant, leaving no
        note and creating no file; acquire()'s grace covers a start at that instant."""
        if self._file is not None:
            return False
        try:
            f = open(self.path, "r+b")  # noqa: SIM115  # closed below
        except OSError:  # no lock file: nobody ever retrained here (or unreadable: not ours)
            return False
        with f:
            try:
                _lock(f)
            except OSError as exc:
                return exc.errno in _BUSY
            _unlock(f)
        return False

    def holder(self, patience: float = 2.0) -> str:
        """What the holder wrote into the lock file (holder_note), or "". A holder writes
        its note just after taking the lock: asked in between, this waits up to `patience`
        seconds for it while the lock stays taken."""
        deadline = time.monotonic() + patience
        while True:
            try:
                note = self.path.read_text(encoding="utf-8", errors="replace").strip()[:200]
            except OSError:  # Windows refuses to read a locked byte range
                return ""
            if note or time.monotonic() >= deadline or not self.busy():
                return note
            time.sleep(0.02)


class SharedRetrainLock(_OneHolder):
    """The same lock for a PostgreSQL catalogue: a server-side advisory lock (any machine)."""

    NAME = "heritage_desk.retrain"

    def __init__(self, catalogue: Catalogue, curator: str | None = None) -> None:
        from heritage_desk.storage.advisory import AdvisoryLock

        self.catalogue = catalogue.location
        self.curator = curator
        self._lock = AdvisoryLock(catalogue, self.NAME)

    @property
    def held(self) -> bool:
        return self._lock.held

    def acquire(self) -> None:
        """Take the lock or raise RetrainBusyError naming the holder (never waits)."""
        if self._lock.held:
            raise RetrainBusyError(self.catalogue, "in this process")
        deadline = time.monotonic() + ASK_GRACE_S
        while not self._lock.try_acquire(holder_note(self.curator)):
            self._refuse_unless_let_go(deadline)

    def release(self) -> None:
        self._lock.release()

    def busy(self) -> bool:
        """True when another session holds the lock: asked of the server, nothing taken."""
        return not self._lock.held and self._lock.taken()

    def holder(self) -> str:
        """The holder's note (curator, machine, process, since), or "" when it left none."""
        try:
            return self._lock.note()[:300]
        except Exception as exc:  # the note is for a message only
            log.info("cannot read the retrain lock's holder: %s", exc)
            return ""


def retrain_lock(
    catalogue: Catalogue, folder: Path, curator: str | None = None
) -> RetrainLock | SharedRetrainLock:
    """The retrain lock of `catalogue`: the file lock in `folder` (SQLite), else advisory."""
    if catalogue.is_sqlite:
        return RetrainLock(folder, catalogue.location, curator)
    return SharedRetrainLock(catalogue, curator)


if sys.platform == "win32":
    import msvcrt

    def _lock(f: IO[bytes]) -> None:
        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)  # OSError (EACCES, EDEADLOCK) if taken

    def _unlock(f: IO[bytes]) -> None:
        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(f: IO[bytes]) -> None:
        # flock, not lockf: a flock belongs to the open file, so a second RetrainLock in the
        # same process conflicts too, and closing another descriptor does not drop it.
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(f: IO[bytes]) -> None:
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _lock_within(f: IO[bytes], seconds: float) -> None:
    """_lock, tried again for `seconds` while the lock is taken (OSError in _BUSY after)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            _lock(f)
            return
        except OSError as exc:
            if exc.errno not in _BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(0.01)
