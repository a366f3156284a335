from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ocean_core.catalog import Catalog, MemoryCatalog, SQLiteCatalog


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
