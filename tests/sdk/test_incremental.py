"""Rule 9 through the SDK: ``Integration.resync(incremental=True)`` and the cursors in the
state of an integration."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_core.sdk import _calls as calls
from ocean_core.sdk.aio import Integration
from tests.incremental.support import gated_desk
from tests.sdk.support import serving, write_config


def test_the_sdk_asks_for_an_incremental_run_only_when_told() -> None:
    # An older server refuses keys it does not know: a full run's body stays as it was.
    assert calls.trigger("d").body == {"trigger": "sdk"}
    assert calls.trigger("d", "cli", incremental=True).body == {
        "trigger": "cli", "incremental": True}


@pytest.mark.anyio
async def test_the_async_sdk_triggers_an_incremental_run(tmp_path: Path) -> None:
    config = write_config(tmp_path, {**gated_desk("d", items=4),
                                            "resync_on_start": False})
    async with serving(config) as served:
        desk = await Integration.get("d", client=served.client)
        full = await (await desk.resync(client=served.client)).wait(client=served.client)
        run = await (await desk.resync(incremental=True, client=served.client)).wait(
            client=served.client)
        state = await desk.status(client=served.client)
    assert full.record is not None and full.record.mode == "full"
    assert run.record is not None and run.record.mode == "incremental"
    assert run.record.kinds["ticket"].since == 3
    assert state.cursors[0]["value"] == 3
