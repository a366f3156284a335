"""``/docs`` and ``/openapi.json``: behind the token by default; with ``api.public_docs: true``
a browser opens them without it (the page's Authorize button takes the token for "try it
out"), and every data route still needs the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.service.conftest import serving
from tests.service.support import TOKEN, write_config

pytestmark = pytest.mark.anyio


async def _anonymous(config: Path) -> dict[str, int]:
    async with serving(config, token=None) as served:
        paths = ["/docs", "/openapi.json", "/api/integrations", "/metrics"]
        return {p: (await served.client.get(p)).status_code for p in paths}


async def test_the_docs_need_the_token_by_default(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"id": "f", "type": "fake"})
    assert set((await _anonymous(config)).values()) == {401}


async def test_public_docs_open_the_docs_only(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"id": "f", "type": "fake"},
                          api={"token": TOKEN, "public_docs": True})
    assert await _anonymous(config) == {
        "/docs": 200, "/openapi.json": 200, "/api/integrations": 401, "/metrics": 401,
    }
    async with serving(config) as served:
        document = (await served.client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]  # "Authorize" asks for it
