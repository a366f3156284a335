"""The SDK's public names: exported, rooted in ``OceanError``, and the async twin in step."""

from __future__ import annotations

import inspect
from pathlib import Path

import httpx
import pytest

import ocean_core.sdk
import ocean_core.sdk.aio
from ocean_core.api import create_app
from ocean_core.errors import OceanError
from ocean_core.sdk import _async_client, aio
from tests.sdk.support import TOKEN, URL, box, write_config

TWINS = ["Integration", "KnowledgeBase", "Run"]


def test_all_names_exist_and_every_error_is_an_ocean_error() -> None:
    for module in (ocean_core.sdk, ocean_core.sdk.aio):
        assert [n for n in module.__all__ if not hasattr(module, n)] == []
    errors = [getattr(ocean_core.sdk, n) for n in ocean_core.sdk.__all__
              if isinstance(getattr(ocean_core.sdk, n), type)
              and issubclass(getattr(ocean_core.sdk, n), Exception)]
    assert len(errors) == 14 and all(issubclass(e, OceanError) for e in errors)


@pytest.mark.parametrize("name", TWINS)
def test_the_async_twin_has_the_same_methods_awaited(name: str) -> None:
    sync, twin = getattr(ocean_core.sdk, name), getattr(ocean_core.sdk.aio, name)
    public = {n for n in dir(sync) if not n.startswith("_")}
    assert public == {n for n in dir(twin) if not n.startswith("_")}
    for attribute in public:
        one, other = getattr(sync, attribute), getattr(twin, attribute)
        if callable(one):
            assert inspect.signature(one).parameters.keys() == (
                inspect.signature(other).parameters.keys()), attribute
            assert inspect.iscoroutinefunction(other) or inspect.isasyncgenfunction(other)


def test_the_environment_is_read_at_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCEAN_API_URL", "http://example.test:9000/")
    monkeypatch.setenv("OCEAN_API_TOKEN", "from-env")
    with ocean_core.sdk.Client() as client, ocean_core.sdk.Client("http://other", "t") as given:
        assert (client.settings.url, client.settings.token) == (
            "http://example.test:9000", "from-env")
        assert (given.settings.url, given.settings.token) == ("http://other", "t")
    monkeypatch.delenv("OCEAN_API_URL")
    monkeypatch.delenv("OCEAN_API_TOKEN")
    with ocean_core.sdk.Client() as client:
        assert (client.settings.url, client.settings.token) == ("http://127.0.0.1:8000", None)
        assert "Authorization" not in client.settings.headers


@pytest.mark.anyio
async def test_the_async_default_client_is_replaced_by_configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_async_client, "_default", None)
    app = create_app(write_config(tmp_path, box("box-a")))
    async with app.router.lifespan_context(app):
        client = await aio.configure(URL, TOKEN, transport=httpx.ASGITransport(app=app))
        try:
            found = await aio.Integration.list()
            assert aio.default_client() is client
            kb = await aio.KnowledgeBase.new(name="Docs")
            await kb.delete()
        finally:
            await client.aclose()
    assert [i.type for i in found] == ["Box"]
