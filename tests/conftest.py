"""Shared fixtures: real catalogues on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# In CI the fuzzers replay a fixed set of examples, so a landing never depends on luck; locally
# (and in `make reliability`) they explore new inputs each run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("HERITAGE_CI"):
    settings.load_profile("ci")

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATASETS = Path(os.environ.get("HERITAGE_DATASETS", SHARED / "datasets"))
WIKIART = DATASETS / "wikiart"
AIC_DEMO = DATASETS / "aic-demo"


def _postgres_admin_url() -> str | None:
    return os.environ.get("HERITAGE_TEST_PG_URL")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """An admin URL of the real PostgreSQL server started for the run (.ci/run)."""
    url = _postgres_admin_url()
    if not url:
        if os.environ.get("HERITAGE_REQUIRE_POSTGRES"):
            pytest.fail("HERITAGE_REQUIRE_POSTGRES is set but HERITAGE_TEST_PG_URL is not")
        pytest.skip("no PostgreSQL server: set HERITAGE_TEST_PG_URL (CI does)")
    yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    name = f"heritage_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("HERITAGE_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    url = sa.engine.make_url(postgres_server).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalogue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A catalogue location on each backend: a SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "catalogue.sqlite")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def wikiart_dir() -> Path:
    if not (WIKIART / "labels.csv").exists():
        pytest.skip(f"WikiArt dataset not found at {WIKIART}")
    return WIKIART


@pytest.fixture(scope="session")
def aic_demo_dir() -> Path:
    if not (AIC_DEMO / "labels.csv").exists():
        pytest.skip(f"AIC demo dataset not found at {AIC_DEMO}")
    return AIC_DEMO
