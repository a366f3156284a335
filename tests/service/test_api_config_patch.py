"""PATCH of ``config`` is a JSON merge patch (RFC 7396) over the config in effect; the mask
``**********`` (a secret as GET shows it) keeps the current value; a secret may be set only as
a ``${NAME}`` reference to the server's environment, which is what the catalog keeps: the
catalog never holds a secret's bytes (the file's secrets included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import Served, serving
from tests.service.keyed import KEYED, digest
from tests.service.support import write_config

pytestmark = pytest.mark.anyio
FILE_TOKEN = "file-token-0b4e9c1d7a"
NEW_TOKEN = "patched-token-5f2a8e6b90"
ROTATED = "rotated-token-c3d1f07a42"
PASSWORD = "vault-password-9e8d7c6b5a"


def _keyed(**config: Any) -> dict[str, Any]:
    return {"id": "k", "type": KEYED, "config": {"token": "${FILE_TOKEN}", **config}}


def _fake(**config: Any) -> dict[str, Any]:
    return {"id": "f", "type": "fake", "config": config}


async def _patched(served: Served, integration_id: str, config: dict[str, Any]
                   ) -> dict[str, Any]:
    response = await served.client.patch(f"/api/integrations/{integration_id}",
                                         json={"config": config})
    assert response.status_code == 202, response.text
    ended = await served.ended(response.json())
    assert ended["status"] == "succeeded", ended
    return ended


async def _properties(served: Served) -> dict[str, Any]:
    page = (await served.client.get("/api/entities", params={"integration": "k"})).json()
    first: dict[str, Any] = page["items"][0]["properties"]
    return first


def _catalog_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("catalog.db*")) if p.is_file())


@pytest.fixture(autouse=True)
def _tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILE_TOKEN", FILE_TOKEN)
    monkeypatch.setenv("NEW_TOKEN", NEW_TOKEN)
    monkeypatch.setenv("VAULT_PASSWORD", PASSWORD)


async def test_config_is_a_merge_patch_kept_across_restarts(tmp_path: Path) -> None:
    config = write_config(tmp_path, _fake(kinds={"service": 3, "team": 2}, batch_size=2,
                                          latency=0))
    async with serving(config) as served:
        await served.idle("f")
        await _patched(served, "f", {"kinds": {"team": 1}, "batch_size": None})
        detail = (await served.client.get("/api/integrations/f")).json()
    async with serving(config) as served:
        await served.idle("f")
        again = (await served.client.get("/api/integrations/f")).json()
    # kinds merged (team changed, service kept), batch_size removed (its default), latency kept
    assert detail["config"]["kinds"] == {"service": 3, "team": 1}
    assert detail["config"]["batch_size"] == 100 and detail["config"]["latency"] == 0
    assert again["config"] == detail["config"] and again["changed_through_api"] is True


async def test_a_masked_secret_sent_back_keeps_its_value(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _keyed())) as served:
        await served.idle("k")
        shown = (await served.client.get("/api/integrations/k")).json()["config"]
        await _patched(served, "k", {**shown, "url": "https://moved.invalid"})
        used = await _properties(served)
    assert shown["token"] == "**********"
    assert used == {"token": digest(FILE_TOKEN), "url": "https://moved.invalid",
                    "password": None}
    assert FILE_TOKEN.encode() not in _catalog_bytes(tmp_path)


async def test_a_plain_secret_is_refused_naming_the_field(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _keyed())) as served:
        await served.idle("k")
        response = await served.client.patch("/api/integrations/k", json={"config": {
            "token": "plain-secret-value", "vault": {"password": "another-plain-one"},
        }})
        detail = (await served.client.get("/api/integrations/k")).json()
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert [p["field"] for p in problems] == ["config.token", "config.vault.password"]
    assert "${GITHUB_TOKEN}" in problems[0]["msg"]
    assert "plain-secret-value" not in response.text
    assert detail["changed_through_api"] is False and detail["generation"] == 1
    assert b"plain-secret-value" not in _catalog_bytes(tmp_path)


async def test_a_secret_reference_is_resolved_and_only_the_reference_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, _keyed())
    async with serving(config) as served:
        await served.idle("k")
        await _patched(served, "k", {"token": "${NEW_TOKEN}",
                                     "vault": {"password": "${VAULT_PASSWORD}"}})
        used = await _properties(served)
    stored = _catalog_bytes(tmp_path)
    monkeypatch.setenv("NEW_TOKEN", ROTATED)  # rotated in the environment, then a restart
    async with serving(config) as served:
        await served.idle("k")
        rotated = await _properties(served)
    assert used["token"] == digest(NEW_TOKEN) and used["password"] == digest(PASSWORD)
    assert rotated["token"] == digest(ROTATED)
    assert b"${NEW_TOKEN}" in stored
    for secret in (FILE_TOKEN, NEW_TOKEN, PASSWORD, ROTATED):
        assert secret.encode() not in _catalog_bytes(tmp_path), secret
        assert secret.encode() not in stored, secret


async def test_a_reference_to_an_unset_variable_is_422(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _keyed())) as served:
        await served.idle("k")
        response = await served.client.patch(
            "/api/integrations/k", json={"config": {"token": "${NOT_SET_ANYWHERE}"}})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == "config.token"
    assert "NOT_SET_ANYWHERE" in response.json()["detail"][0]["msg"]


async def test_entities_of_an_unknown_integration_are_404_naming_the_known(
    tmp_path: Path
) -> None:
    async with serving(write_config(tmp_path, _fake(kinds={"service": 1}))) as served:
        response = await served.client.get("/api/entities", params={"integration": "nope"})
    assert response.status_code == 404
    assert response.json()["known"] == ["f"] and "nope" in response.json()["detail"]
