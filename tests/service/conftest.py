from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI

from ocean_core.api import create_app
from ocean_core.service import OceanService
from tests.conftest import drop_postgres_schema
from tests.service.hooked import FAILS
from tests.service.support import GATES, TOKEN, Gate


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("OCEAN_"):
            monkeypatch.delenv(name)
    yield
    GATES.clear()
    FAILS.clear()


@pytest.fixture
def gate() -> Gate:
    """A gate named ``g``; made inside the test's event loop on first use of its events."""
    GATES["g"] = Gate()
    return GATES["g"]


@dataclass
class Served:
    app: FastAPI
    client: httpx.AsyncClient
    service: OceanService

    async def ended(self, handle: dict[str, Any]) -> dict[str, Any]:
        """Follow a run handle (and whatever superseded it) to the run's end."""
        integration_id, run_id = handle["integration_id"], handle["run_id"]
        with anyio.fail_after(20):
            while True:
                response = await self.client.get(
                    f"/api/integrations/{integration_id}/resyncs/{run_id}", params={"wait": 10}
                )
                body: dict[str, Any] = response.json()
                if body["status"] == "superseded":
                    run_id = body["superseded_by"]
                elif body["status"] not in ("pending", "running"):
                    return body

    async def idle(self, integration_id: str) -> None:
        result = await self.service.get(integration_id).ocean.wait_idle()
        assert result is not None


@asynccontextmanager
async def serving(config: Path, token: str | None = TOKEN) -> AsyncIterator[Served]:
    """The app of ``config`` with its lifespan entered, and a client speaking to it in-process."""
    app = create_app(config)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ocean", headers=headers
        ) as client:
            yield Served(app, client, app.state.ocean_service)


@pytest.fixture
def shared(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL catalog URL on a fresh schema, dropped afterwards (for tests that run
    several services or processes on one catalog)."""
    schema = f"test_{uuid.uuid4().hex[:8]}"
    yield f"{postgres_url}?schema={schema}"
    drop_postgres_schema(postgres_url, schema)

