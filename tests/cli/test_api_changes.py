"""One source of truth: a change made through the API (``PATCH``) is what every command on the
same catalog uses and shows, until ``ocean config reset`` (or ``DELETE .../changes``) discards
it; switching between ``ocean sail`` and ``ocean resync`` never changes what a run maps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from tests.cli._helpers import error_lines, fake, flat, invoke, json_out, row_of, write_config
from tests.service.conftest import Served, serving
from tests.service.support import TOKEN

T = TypeVar("T")

PREFIXED = {"resources": [{"kind": "service", "selector": {"query": "true"}, "port": {"entity": {
    "mappings": {"identifier": '"svc-" + .id', "title": ".name", "blueprint": '"service"',
                 "properties": {"index": ".index"}}}}}]}
"""Other identifiers than the fake type's own mapping: a run that switched mappings would
delete every entity and create another."""


def _config(conf: Path) -> Path:
    return write_config(conf, {**fake(kinds={"service": 4}), "resync_on_start": False},
                        api={"token": TOKEN})


def _served(config: Path, work: Callable[[Served], Awaitable[T]]) -> T:
    async def run() -> T:
        async with serving(config) as served:
            return await work(served)

    return anyio.run(run)


async def _patch(served: Served, body: dict[str, Any]) -> dict[str, Any]:
    response = await served.client.patch("/api/integrations/demo", json=body)
    assert response.status_code == 202, response.text
    return await served.ended(response.json())


async def _resync(served: Served) -> dict[str, Any]:
    response = await served.client.post("/api/integrations/demo/resync")
    assert response.status_code == 202, response.text
    return await served.ended(response.json())


def _identifiers(config: Path) -> list[str]:
    listed = json_out(invoke("entities", "-c", config, "--limit", "100", "--json"))
    return sorted(e["identifier"] for e in listed)


def test_ocean_resync_maps_as_the_api_changed_it_and_switching_recreates_nothing(
    conf: Path,
) -> None:
    config = _config(conf)
    assert invoke("resync", "-c", config).exit_code == 0  # the file's mapping first
    patched = _served(config, lambda served: _patch(served, {"mapping": PREFIXED}))

    local = invoke("resync", "-c", config, "--json")
    after_local = _identifiers(config)
    served_again = _served(config, _resync)
    local_again = json_out(invoke("resync", "-c", config, "--json"))[0]

    assert patched["run"]["deleted"] == 4  # the API's change itself replaces the entities
    [run] = json_out(local)
    assert run["kinds"]["service"]["upserted"] == 0 and run["kinds"]["service"]["unchanged"] == 4
    assert run["deleted"] == 0
    assert after_local == [f"svc-service-{i}" for i in range(4)]
    for again in (served_again["run"], local_again):  # sail, resync, sail, resync: no churn
        assert (again["kinds"]["service"]["upserted"], again["deleted"]) == (0, 0), again
    note = " ".join(error_lines(local))
    assert "uses the change made through the API" in note and "mapping" in note
    assert "ocean config reset demo" in note


def test_status_and_validate_show_what_overrides_the_file_and_since_when(conf: Path) -> None:
    config = _config(conf)
    _served(config, lambda served: _patch(served, {
        "mapping": PREFIXED, "config": {"kinds": {"service": 2}}}))

    status = json_out(invoke("status", "-c", config, "--json"))[0]
    table = invoke("status", "-c", config)
    checked = invoke("validate", "-c", config)
    as_json = json_out(invoke("validate", "-c", config, "--json"))

    changes = status["api_changes"]
    assert changes["settings"] == ["mapping", "config.kinds.service"]
    assert changes["changed_at"] and changes["file_changed"] is False
    assert row_of(table.stdout, "demo")[:3] == ["demo", "1", "succeeded"]
    assert ("demo: uses the change made through the API at " in flat(table.stdout))
    assert "overrides the config file's mapping, config.kinds.service" in flat(table.stdout)
    text = flat(checked.stdout)
    assert checked.exit_code == 0
    assert "ok demo (fake): mapping api, 1 resource(s), kinds: service" in text
    assert "overrides the config file's mapping, config.kinds.service" in text
    assert as_json["integrations"][0]["api_changes"]["settings"] == changes["settings"]


def test_config_reset_discards_the_change_for_every_command(conf: Path) -> None:
    config = _config(conf)
    assert invoke("resync", "-c", config).exit_code == 0
    _served(config, lambda served: _patch(served, {"mapping": PREFIXED}))

    reset = invoke("config", "reset", "demo", "-c", config)
    status = json_out(invoke("status", "-c", config, "--json"))[0]
    run = json_out(invoke("resync", "-c", config, "--json"))[0]
    again = invoke("config", "reset", "demo", "-c", config)
    state = _served(config, lambda served: served.client.get("/api/integrations/demo"))

    assert reset.exit_code == 0
    assert "demo: discarded the API's change (mapping)" in flat(reset.stdout)
    assert status["api_changes"] is None
    assert run["kinds"]["service"]["upserted"] == 4 and run["deleted"] == 4  # the file's again
    assert _identifiers(config) == [f"service-{i}" for i in range(4)]
    assert "no change made through the API" in flat(again.stdout)
    assert state.json()["api_changes"] is None and state.json()["mapping"] is None


def test_config_reset_refuses_while_ocean_sail_runs_the_integration(conf: Path) -> None:
    config = _config(conf)

    async def reset_while_serving(served: Served) -> Any:
        await _patch(served, {"mapping": PREFIXED})
        refused = await anyio.to_thread.run_sync(invoke, "config", "reset", "demo", "-c", config)
        state = (await served.client.get("/api/integrations/demo")).json()
        return refused, state

    refused, state = _served(config, reset_while_serving)

    assert refused.exit_code == 1
    [line] = error_lines(refused)
    assert "another runner" in line and "--api" in line
    assert "DELETE /api/integrations/demo/changes" in line
    assert state["api_changes"]["settings"] == ["mapping"]  # the service's change is kept


def test_an_unknown_integration_is_a_usage_error(conf: Path) -> None:
    config = _config(conf)

    result = invoke("config", "reset", "nope", "-c", config)

    assert result.exit_code == 2
    assert "no integration with id 'nope' (configured: demo)" in " ".join(error_lines(result))


def test_a_change_the_file_outdated_is_shown_and_not_used(conf: Path) -> None:
    config = _config(conf)
    _served(config, lambda served: _patch(served, {"mapping": PREFIXED}))
    write_config(conf, {**fake(kinds={"service": 3}), "resync_on_start": False},
                 api={"token": TOKEN})  # the operator edits the file afterwards

    status = json_out(invoke("status", "-c", config, "--json"))[0]
    run = invoke("resync", "-c", config, "--json")

    assert status["api_changes"]["file_changed"] is True
    assert json_out(run)[0]["kinds"]["service"]["upserted"] == 3  # the file's mapping
    assert _identifiers(config) == [f"service-{i}" for i in range(3)]
    assert "the file applies (`ocean sail` drops the change at its next start)" in " ".join(
        error_lines(run))
