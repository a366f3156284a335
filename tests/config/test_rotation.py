"""A change made through the API outlives a restart while the file says what it said; a new
value of a ``${NAME}`` in the environment is no change of the file (the file's values are
digested as written, before expansion)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from tests.service.conftest import serving
from tests.service.support import GATED, write_config

pytestmark = pytest.mark.anyio


def _gated(prefix: str) -> dict[str, Any]:
    return {"id": "g", "type": GATED, "config": {"items": 2, "prefix": prefix}}


async def _renamed_through_api(folder: Path) -> Path:
    """A config file whose integration's config reads ``${ROTATED_PREFIX}``, and a name
    changed through the API (so a change is stored against the file)."""
    config = write_config(folder, _gated("${ROTATED_PREFIX}"))
    async with serving(config) as served:
        await served.idle("g")
        response = await served.client.patch("/api/integrations/g", json={"name": "Renamed"})
        assert response.status_code == 202, response.text
        await served.ended(response.json())
    return config


async def _detail(config: Path) -> dict[str, Any]:
    async with serving(config) as served:
        await served.idle("g")
        body: dict[str, Any] = (await served.client.get("/api/integrations/g")).json()
        return body


async def test_rotating_a_secret_in_the_environment_keeps_the_api_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTATED_PREFIX", "before")
    config = await _renamed_through_api(tmp_path)
    monkeypatch.setenv("ROTATED_PREFIX", "after")  # the file is untouched
    warnings: list[str] = []
    sink = logger.add(lambda m: warnings.append(str(m)), level="WARNING")
    try:
        detail = await _detail(config)
    finally:
        logger.remove(sink)

    assert detail["name"] == "Renamed" and detail["changed_through_api"] is True
    assert detail["config"]["prefix"] == "after"  # the new value is used
    assert not [w for w in warnings if "config file changed" in w], warnings


async def test_editing_the_file_still_drops_the_api_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTATED_PREFIX", "same")
    config = await _renamed_through_api(tmp_path)
    write_config(tmp_path, _gated("${ROTATED_PREFIX}-edited"))  # the same value otherwise

    detail = await _detail(config)

    assert detail["name"] is None and detail["changed_through_api"] is False
