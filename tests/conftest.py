from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ocean_core.catalog import Catalog, MemoryCatalog, SQLiteCatalog


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["memory", "sqlite"])
async def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Catalog]:
    """Every engine rule is checked against both catalogs, so the two cannot drift."""
    store: Catalog = MemoryCatalog() if request.param == "memory" else SQLiteCatalog(
        tmp_path / "catalog.db"
    )
    yield store
    await store.close()
