"""Webhooks with several ``ocean sail`` processes on one PostgreSQL catalog: any process
accepts a webhook, the runner of the integration handles it (woken through the catalog's
trigger channel), and an event stored while no process runs the integration is handled by
the one that takes over."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import httpx

from ocean_core.testing import webhook_path
from tests.service.hooked import hooked, signed
from tests.service.process import SailProcess, log_message
from tests.service.support import write_config

Start = Callable[..., SailProcess]



def _post(process: SailProcess, item: int) -> int:
    body = b'{"action": "upserted", "item": {"id": %d, "name": "Item %d"}}' % (item, item)
    response = httpx.post(process.url + webhook_path("h", "items"), content=body,
                          headers=signed(body), timeout=30)
    assert response.status_code == 202, response.text
    event_id: int = response.json()["event_id"]
    return event_id


def _handled(process: SailProcess, event_id: int) -> None:
    process.wait_for(log_message(f"webhook event {event_id} (items) handled",
                                 integration_id="h"), timeout=30)


def test_a_standby_stores_the_webhook_and_the_runner_applies_it_then_takes_over(
    tmp_path: Path, sail: Start, shared: str,
) -> None:
    config = write_config(tmp_path, hooked("h"), catalog=shared, takeover_interval="0.5s")
    runner = sail(config, "--log-level", "debug")
    standby = sail(config, "--log-level", "debug")
    standby.wait_for(log_message("integration h: run by another process"))

    first = _post(standby, 1)
    _handled(runner, first)
    stats = standby.client.get("/api/integrations/h/webhooks").json()
    assert (stats["received"], stats["handled"], stats["runs_here"]) == (1, 1, False)

    runner.send(signal.SIGKILL)
    runner.wait_exit(10)
    second = _post(standby, 2)  # stored while nobody may run it: handled on takeover
    _handled(standby, second)
    entities = standby.client.get("/api/entities", params={"integration": "h"}).json()
    assert {e["identifier"] for e in entities["items"]} >= {"1", "2"}
    stats = standby.client.get("/api/integrations/h/webhooks").json()
    assert (stats["received"], stats["handled"], stats["pending"], stats["runs_here"]) == (
        2, 2, 0, True)
