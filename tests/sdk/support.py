"""A ``Box`` integration type for the SDK's tests, and helpers to serve the app in-process.

Configured as ``type: tests.sdk.support:Box``: one kind, ``file``, yielding ``files`` entities
(``file-0``, ``file-1``...) with titles ``Report 0``, ``Report 1``...
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from ocean_core import Entity, Integration, kind
from ocean_core.api import create_app
from ocean_core.sdk.aio import AsyncClient
from ocean_core.service import OceanService
from tests.service.support import TOKEN, write_config

BOX = "tests.sdk.support:Box"
URL = "http://ocean"

__all__ = ["BOX", "TOKEN", "URL", "box", "serving", "write_config"]


class BoxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    files: int = 3


class Box(Integration):
    type = "Box"
    config_model = BoxConfig

    @kind("file")
    async def fetch_files(self) -> Any:
        config: BoxConfig = self.config  # type: ignore[assignment]
        yield [
            Entity(identifier=f"file-{n}", blueprint="file", title=f"Report {n}",
                   properties={"size": n * 10})
            for n in range(config.files)
        ]


def box(integration_id: str, files: int = 3, **more: Any) -> dict[str, Any]:
    """One Box instance of a config file."""
    return {"id": integration_id, "type": BOX, "config": {"files": files}, **more}


@dataclass
class Served:
    """The app with its lifespan entered, and an SDK client speaking to it in-process.
    ``requests`` lists every request the client sent, as ``"METHOD /path"``."""

    app: FastAPI
    service: OceanService
    client: AsyncClient
    requests: list[str] = field(default_factory=list)

    def client_for(self, token: str | None, **kwargs: Any) -> AsyncClient:
        """Another client of the same app (close it); ``token=None`` sends none."""
        return AsyncClient(URL, token or "", transport=httpx.ASGITransport(app=self.app),
                           **kwargs)

    async def idle(self, *integration_ids: str) -> None:
        """Until the integrations' runs in flight (the start runs) have ended."""
        for integration_id in integration_ids:
            await self.service.get(integration_id).ocean.wait_idle()


@asynccontextmanager
async def serving(config: Path, token: str = TOKEN, **kwargs: Any) -> AsyncIterator[Served]:
    app = create_app(config)
    requests: list[str] = []

    async def record(request: httpx.Request) -> None:
        requests.append(f"{request.method} {request.url.path}")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with AsyncClient(
            URL, token, transport=transport, event_hooks={"request": [record]}, **kwargs
        ) as client:
            yield Served(app, app.state.ocean_service, client, requests)
