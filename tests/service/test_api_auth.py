"""Every route but ``GET /health`` needs the bearer token; the routes are enumerated from the
OpenAPI document, so a route added without authentication fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ocean_core.api import create_app
from ocean_core.config import load_config
from ocean_core.errors import ConfigError
from tests.service.conftest import serving
from tests.service.support import TOKEN, gated, write_config

pytestmark = pytest.mark.anyio

OPEN = {("GET", "/health")}
UNLISTED = [("GET", "/openapi.json"), ("GET", "/docs")]
"""Routes kept out of the OpenAPI document, protected all the same."""


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


async def _routes(config: Path) -> list[tuple[str, str]]:
    async with serving(config) as served:
        document = (await served.client.get("/openapi.json")).json()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    ]


async def test_every_route_but_health_refuses_a_missing_or_wrong_token(tmp_path: Path) -> None:
    config = write_config(tmp_path, gated("a", items=2))
    routes = await _routes(config)
    assert ("POST", "/api/integrations/{integration_id}/resync") in routes
    assert ("GET", "/metrics") in routes
    protected = [r for r in routes if r not in OPEN] + UNLISTED
    for token in (None, "wrong", TOKEN + "x", TOKEN[:-1]):
        async with serving(config, token=token) as served:
            for method, path in protected:
                response = await served.client.request(method, _concrete(path))
                assert response.status_code == 401, (method, path, token)
                assert response.headers["www-authenticate"] == "Bearer"
                assert response.json()["error"] == "unauthorized"
            health = await served.client.get("/health")
            assert health.status_code == 200 and health.json()["status"] == "ok"


async def test_the_token_opens_every_route(tmp_path: Path) -> None:
    config = write_config(tmp_path, gated("a", items=2))
    async with serving(config) as served:
        await served.idle("a")
        assert (await served.client.get("/docs")).status_code == 200
        assert (await served.client.get("/metrics")).status_code == 200
        response = await served.client.get("/api/integrations")
        assert response.status_code == 200 and [i["id"] for i in response.json()] == ["a"]


async def test_a_wrong_scheme_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, gated("a", items=2))
    async with serving(config, token=None) as served:
        response = await served.client.get(
            "/api/integrations", headers={"Authorization": f"Basic {TOKEN}"}
        )
    assert response.status_code == 401


async def test_the_token_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, gated("a", items=2), api={"token": "from-file"})
    monkeypatch.setenv("OCEAN_API_TOKEN", "from-env")
    async with serving(config, token="from-env") as served:
        assert (await served.client.get("/api/integrations")).status_code == 200
    async with serving(config, token="from-file") as served:
        assert (await served.client.get("/api/integrations")).status_code == 401


def test_no_app_without_a_token(tmp_path: Path) -> None:
    config = write_config(tmp_path, gated("a"), api={"port": 8000})
    with pytest.raises(ConfigError) as caught:
        create_app(load_config(config))
    assert caught.value.problems[0].field == "api.token"
    assert str(config) in str(caught.value)
