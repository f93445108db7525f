"""One retrain per catalogue at a time, across processes: an OS lock on a file in its models folder.

The lock is `fcntl.flock` on POSIX (Linux, macOS) and `msvcrt.locking` on Windows, taken on
`retrain.lock` in the catalogue's models folder (retrain_versions.models_dir_for). The OS
releases it when the holder exits in any way, kill -9 included, so a crash never leaves a stale
lock behind; the file itself stays (removing a lock file races with the next holder).

A SQLite catalogue's models folder lies beside the file, so every process on every machine that
opens the file through the same folder shares the lock (as far as the file system honours
flock: local disks do, some network shares do not). A PostgreSQL catalogue's models folder is
per catalogue URL in this machine's data folder, so the lock guards one catalogue per machine:
the GUI and the CLI on one computer never retrain it at once; two computers still can.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

LOCK_NAME = "retrain.lock"
#: What a non-blocking lock attempt fails with when someone else holds it (POSIX, Windows).
_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK}

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


class RetrainLock:
    """An exclusive, non-blocking, cross-process lock on one catalogue's retraining.

    acquire() takes it or raises RetrainBusyError at once; release() (or the process ending)
    gives it back. A held lock may be released from another thread than the one that took it
    (the GUI prepares and registers on its executor, the child runs meanwhile).
    """

    def __init__(self, folder: Path, catalogue: str) -> None:
        self.path = folder / LOCK_NAME
        self.catalogue = catalogue
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
            _lock(f)
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
            note = f"process {os.getpid()} on {socket.gethostname()} since "
            f.write((note + datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")).encode())
            f.flush()

    def release(self) -> None:
        """Give the lock back (nothing when not held)."""
        f, self._file = self._file, None
        if f is None:
            return
        with contextlib.suppress(OSError):
            _unlock(f)
        f.close()

    def busy(self) -> bool:
        """True when another holder (process or RetrainLock) has the lock right now."""
        if self._file is not None:
            return False
        try:
            self.acquire()
        except RetrainBusyError:
            return True
        self.release()
        return False

    def holder(self) -> str:
        """What the holder wrote into the lock file ("process 123 on host since ..."), or ""."""
        try:
            return self.path.read_text(encoding="utf-8", errors="replace").strip()[:200]
        except OSError:  # Windows refuses to read a locked byte range
            return ""

    def __enter__(self) -> RetrainLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


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
