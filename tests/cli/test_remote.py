"""The remote half of ``ocean resync --api``, in-process: it speaks to the API through the async
SDK (an ASGI transport serves only an async client), and a server it cannot reach is its own
error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from ocean_core.cli._remote import ApiUnreachable, follow, trigger_all
from ocean_core.errors import ConfigError, OceanError, Transient
from ocean_core.sdk.aio import AsyncClient
from tests.sdk.support import box, serving, write_config
from tests.service.process import free_port
from tests.service.support import GATES, TOKEN, Gate, gated

pytestmark = pytest.mark.anyio


@pytest.fixture
def gate() -> Iterator[Gate]:
    GATES["g"] = Gate()
    yield GATES["g"]
    GATES.clear()


async def test_it_triggers_every_integration_at_once_then_follows_each(
    tmp_path: Path, gate: Gate
) -> None:
    config = write_config(tmp_path, {**gated("a", items=4, gate="g"), "resync_on_start": False},
                          box("b", files=2, resync_on_start=False))
    async with serving(config) as served:
        runs = await trigger_all(served.client, None)
        await gate.reached.wait()  # a runs, and b was triggered without waiting for a
        b_first = await follow(runs[1], served.client)
        gate.release.set()
        with anyio.fail_after(20):
            a = await follow(runs[0], served.client)
        triggers = [r for r in served.requests if r.startswith("POST")]
    assert [run.integration_id for run in runs] == ["a", "b"]
    assert (a.trigger, a.status, a.kinds["item"].upserted) == ("cli", "succeeded", 4)
    assert (b_first.trigger, b_first.status) == ("cli", "succeeded")
    assert triggers == ["POST /api/integrations/a/resync", "POST /api/integrations/b/resync"]


async def test_one_integration_is_looked_up_and_triggered_alone(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("a", resync_on_start=False),
                          box("b", resync_on_start=False))
    async with serving(config) as served:
        [run] = await trigger_all(served.client, "b")
        record = await follow(run, served.client)
        with pytest.raises(ConfigError) as caught:
            await trigger_all(served.client, "nope")
    assert (record.integration_id, record.trigger, record.status) == ("b", "cli", "succeeded")
    (problem,) = caught.value.problems
    assert problem.field == "--api"
    assert problem.message.startswith("GET /api/integrations/nope answered 404: ")
    assert "(configured: a, b)" in problem.message


async def test_a_server_it_cannot_reach_is_its_own_error_naming_url_and_cause() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    slept: list[float] = []

    async def no_wait(seconds: float) -> None:
        slept.append(seconds)

    async with AsyncClient(url, TOKEN, sleep=no_wait) as client:
        with pytest.raises(ApiUnreachable) as caught:
            await trigger_all(client, None)
    error = caught.value
    assert isinstance(error, OceanError) and isinstance(error, Transient)
    assert not isinstance(error, ConfigError)
    assert error.url == url and error.cause.startswith("ConnectError")
    assert str(error) == f"cannot reach the API at {url}: {error.cause}"
    assert len(slept) == 3  # the SDK's retries of a read came first
