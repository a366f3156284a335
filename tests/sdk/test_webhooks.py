"""``Integration.webhook_stats()`` of the SDK (async in-process, blocking against a real
``ocean sail``): the counts, the last times and the failures of an integration's webhooks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import anyio
import httpx
import pytest

from ocean_core.sdk import Client, WebhookStats
from ocean_core.sdk import Integration as BlockingIntegration
from ocean_core.sdk.aio import Integration
from ocean_core.testing import post_webhook
from tests.sdk.support import TOKEN, serving, write_config
from tests.service.hooked import hooked, signed
from tests.service.process import SailProcess, log_message

GOOD = b'{"action": "upserted", "item": {"id": 1, "name": "One"}}'
BAD = b"not json"


@pytest.mark.anyio
async def test_webhook_stats_count_received_handled_failed_and_rejected(tmp_path: Path) -> None:
    config = write_config(tmp_path, hooked("h"), webhooks={"retry_delay": 0})
    async with serving(config) as served:
        web = httpx.AsyncClient(transport=httpx.ASGITransport(app=served.app),
                                base_url="http://ocean")
        async with web:
            for body, headers in ((GOOD, signed(GOOD)), (BAD, signed(BAD)), (GOOD, {})):
                await post_webhook(web, "h", "items", body, headers)
        with anyio.fail_after(20):
            await served.service.get("h").webhooks.worker.wait_settled(2)
        stats = await (await Integration.get("h", client=served.client)).webhook_stats()
    assert isinstance(stats, WebhookStats) and stats.webhooks == ["items"]
    assert (stats.received, stats.handled, stats.failed, stats.rejected, stats.pending) == (
        2, 1, 1, 1, 0)
    assert stats.last_handled_at is not None and stats.runs_here
    assert stats.failures[0].status == "failed"
    assert stats.failures[0].error.startswith("WebhookBodyError")


def test_the_blocking_sdk_reads_the_same_stats_from_a_real_server(
    tmp_path: Path, sail: Callable[..., SailProcess],
) -> None:
    process = sail(write_config(tmp_path, hooked("h")), "--log-level", "debug")
    answer = anyio.run(post_webhook, process.url, "h", "items", GOOD, signed(GOOD))
    assert answer.status_code == 202
    process.wait_for(log_message("webhook event", integration_id="h"), timeout=20)
    with Client(process.url, TOKEN) as client:
        stats = BlockingIntegration.get("h", client=client).webhook_stats()
    assert (stats.received, stats.handled, stats.rejected) == (1, 1, 0)
