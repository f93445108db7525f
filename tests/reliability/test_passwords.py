"""Issue 16 item 3: a PostgreSQL password never reaches a log, stderr or an error message.

Real processes (the GUI and the CLI), the real server, a real log file. The password may be
left out of the URL: libpq reads PGPASSWORD or a .pgpass-style file (PGPASSFILE).
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from heritage_desk.core.redact import PrivateRotatingFileHandler, RedactingFilter, redact
from heritage_desk.storage.catalogue import Catalogue
from tests.reliability.helpers import ROOT, child_env

SECRET = "Sekr3t-Wr0ng-pw"


def _url(base: str, password: str | None) -> str:
    u = sa.engine.make_url(base)
    url = sa.engine.URL.create(u.drivername, u.username, password, u.host, u.port, u.database)
    return url.render_as_string(hide_password=False)


def _heritage(
    data: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "heritage_desk", "--data-dir", str(data), *args],
        cwd=ROOT, env=child_env(QT_QPA_PLATFORM="offscreen", **(env or {})),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.postgres
def test_gui_with_a_wrong_password_writes_it_nowhere_and_the_log_is_private(
    postgres_url: str, tmp_path: Path
) -> None:
    """Today: `cannot open postgresql+psycopg://heritage:<password>@...` in a 0644 log file."""
    data = tmp_path / "data"
    url = _url(postgres_url, SECRET)
    proc = _heritage(data, "gui", url, "--screenshot", str(tmp_path / "s.png"), "--timeout", "30")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "password authentication failed" in proc.stderr
    logs = list((data / "logs").glob("heritage_desk.log*"))
    assert logs, "no log file written"
    for log in logs:
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "cannot open" in text
        assert SECRET not in text, text[-2000:]
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, oct(log.stat().st_mode)
    assert SECRET not in proc.stdout + proc.stderr


@pytest.mark.postgres
def test_cli_errors_and_debug_logs_never_show_the_password(
    postgres_url: str, tmp_path: Path
) -> None:
    proc = _heritage(tmp_path, "-v", "info", _url(postgres_url, SECRET))
    assert proc.returncode == 1
    assert "password authentication failed" in proc.stderr
    assert SECRET not in proc.stdout + proc.stderr


@pytest.mark.postgres
def test_the_password_can_come_from_the_environment_or_a_pgpass_file(
    postgres_url: str, tmp_path: Path
) -> None:
    url = sa.engine.make_url(postgres_url)
    bare = _url(postgres_url, None)  # nothing secret on the command line (ps, shell history)
    assert url.password and "@" in bare and f":{url.password}@" not in bare
    Catalogue.open(postgres_url).close()  # a catalogue there (`info` opens, never creates)
    proc = _heritage(tmp_path, "info", bare, env={"PGPASSWORD": str(url.password)})
    assert proc.returncode == 0, proc.stderr
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(
        f"{url.host}:{url.port or 5432}:{url.database}:{url.username}:{url.password}\n",
        encoding="utf-8",
    )
    pgpass.chmod(0o600)  # libpq ignores a group- or world-readable password file
    env = {"PGPASSFILE": str(pgpass), "PGPASSWORD": ""}
    proc = _heritage(tmp_path, "info", bare, env=env)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "text",
    [
        f"postgresql+psycopg://heritage:{SECRET}@127.0.0.1:5432/db",
        f"cannot open postgresql://u:{SECRET}@h/db: boom",
        f"host=h dbname=x user=u password={SECRET} sslmode=require",
        f"postgresql://u@h/db?password={SECRET}",
    ],
)
def test_redact_masks_url_and_dsn_passwords(text: str) -> None:
    out = redact(text)
    assert SECRET not in out and "***" in out


def test_log_records_are_masked_args_and_tracebacks_too(tmp_path: Path) -> None:
    target = tmp_path / "app.log"
    h = PrivateRotatingFileHandler(target, maxBytes=10_000, backupCount=1)
    logger = logging.getLogger("test.redact")
    logger.addHandler(h)
    logger.propagate = False
    try:
        logger.warning("opening %s", f"postgresql://u:{SECRET}@h/db")
        try:
            raise RuntimeError(f"failed for postgresql://u:{SECRET}@h/db")
        except RuntimeError:
            logger.exception("it broke")
    finally:
        logger.removeHandler(h)
        h.close()
    text = target.read_text(encoding="utf-8")
    assert "opening postgresql://u:***@h/db" in text and "RuntimeError" in text
    assert SECRET not in text
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert any(isinstance(f, RedactingFilter) for f in h.filters)
