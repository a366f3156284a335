from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from ocean_core.catalog import Catalog, MemoryCatalog, SQLiteCatalog
from tests.service.process import SailProcess, start_sail


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    """Every async test runs on both anyio backends: the engine must not depend on asyncio."""
    return str(request.param)


# Read once at import: a test that clears OCEAN_* variables for isolation must not turn CI's
# requirement off for the tests that happen to run after it.
_POSTGRES_URL = os.environ.get(
    "OCEAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
_POSTGRES_REQUIRED = os.environ.get("OCEAN_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """``OCEAN_TEST_POSTGRES_URL`` (default: trust auth on 127.0.0.1), once checked reachable.

    Without psycopg or a server the test is skipped, unless ``OCEAN_REQUIRE_POSTGRES=1`` (CI):
    then it fails."""
    url, required = _POSTGRES_URL, _POSTGRES_REQUIRED
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3):
            pass
    except Exception as exc:  # psycopg missing (ImportError) or psycopg.Error
        reason = f"PostgreSQL unavailable at {url} ({type(exc).__name__}: {exc})".strip()
        if required:
            pytest.fail(f"{reason}; OCEAN_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(f"{reason}; set OCEAN_REQUIRE_POSTGRES=1 to fail instead")
    return url


def drop_postgres_schema(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Catalog]:
    """Every engine rule is checked against every catalog, so they cannot drift. PostgreSQL:
    a fresh schema per test, dropped at teardown (see ``postgres_url`` for when it skips)."""
    store: Catalog
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        from ocean_core.catalog import PostgresCatalog

        schema = f"test_{uuid.uuid4().hex[:8]}"
        store = PostgresCatalog(url, schema=schema)
        try:
            yield store
        finally:
            await store.close()
            drop_postgres_schema(url, schema)
        return
    store = MemoryCatalog() if request.param == "memory" else SQLiteCatalog(
        tmp_path / "catalog.db"
    )
    yield store
    await store.close()


@pytest.fixture
def sail(request: pytest.FixtureRequest) -> Callable[..., SailProcess]:
    """Starts ``ocean sail`` processes (``tests/service/process.py``); every one is killed, if
    still running, at teardown."""

    def start(config: Path, *args: str, **kwargs: Any) -> SailProcess:
        process = start_sail(config, *args, **kwargs)
        request.addfinalizer(process.close)
        return process

    return start
