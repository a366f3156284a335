from __future__ import annotations

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


@pytest.fixture(params=["memory", "sqlite"])
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Catalog]:
    """Every engine rule is checked against both catalogs, so the two cannot drift."""
    store: Catalog = MemoryCatalog() if request.param == "memory" else SQLiteCatalog(
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
