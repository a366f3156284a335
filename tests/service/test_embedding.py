"""The same runtime inside another ASGI service: the host runs the service in its lifespan
and mounts the API under a prefix of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ocean_core.api import create_app
from ocean_core.config import load_config
from ocean_core.service import OceanService
from tests.service.support import TOKEN, gated, write_config

pytestmark = pytest.mark.anyio


async def test_a_host_app_mounts_the_api_and_runs_the_service(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, {**gated("a", items=2), "resync_on_start": False}))
    service = OceanService(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with service:
            yield

    host = FastAPI(lifespan=lifespan)

    @host.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    host.mount("/ocean", create_app(config, service=service))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with host.router.lifespan_context(host):
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://host",
                                     headers=headers) as client:
            assert (await client.get("/hello")).json() == {"hello": "world"}
            assert (await client.get("/ocean/health")).json()["status"] == "ok"
            response = await client.post("/ocean/api/integrations/a/resync")
            handle = response.json()
            ended = (await client.get(handle["url"], params={"wait": 10})).json()
            docs = await client.get("/ocean/docs")
    assert handle["url"].startswith("/ocean/api/integrations/a/resyncs/")
    assert ended["status"] == "succeeded"
    assert "/ocean/openapi.json" in docs.text
    assert not service.running
