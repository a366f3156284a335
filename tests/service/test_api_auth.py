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

OPEN = {("GET", "/health"), ("POST", "/api/integrations/{integration_id}/webhooks/{name}")}
"""Health, and the webhook route: its integration verifies it (``test_webhook_route.py``)."""
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


async def test_the_read_token_reads_and_may_change_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, gated("a", items=2),
                          api={"token": TOKEN, "read_token": "reader"})
    routes = await _routes(config)
    changing = [(m, p) for m, p in routes if m not in ("GET", "HEAD") and (m, p) not in OPEN]
    assert ("PATCH", "/api/integrations/{integration_id}") in changing
    async with serving(config, token="reader") as served:
        await served.idle("a")
        for method, path in changing:
            response = await served.client.request(method, _concrete(path))
            assert response.status_code == 403, (method, path)
            assert response.json()["error"] == "forbidden"
        reads = [await served.client.get(path) for path in
                 ("/api/integrations", "/api/integrations/a", "/api/entities", "/metrics")]
        generation = served.service.get("a").ocean.generation
    assert [r.status_code for r in reads] == [200, 200, 200, 200]
    assert generation == 1


async def test_changes_beyond_the_rate_limit_are_429_with_retry_after(tmp_path: Path) -> None:
    config = write_config(tmp_path, {**gated("a", items=2), "resync_on_start": False},
                          api={"token": TOKEN, "rate_limit": {"per_second": 0.01, "burst": 2}})
    async with serving(config) as served:
        answers = [await served.client.post("/api/integrations/a/resync") for _ in range(3)]
        reads = await served.client.get("/api/integrations/a")  # reads are not limited
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert answers[2].json()["error"] == "too_many_requests"
    assert 90 <= int(answers[2].headers["retry-after"]) <= 100
    assert reads.status_code == 200 and reads.json()["generation"] == 2


async def test_a_body_that_is_not_json_is_400(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, gated("a", items=2))) as served:
        response = await served.client.patch(
            "/api/integrations/a", content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["detail"].startswith("the body is not valid JSON")
