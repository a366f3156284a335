"""``Integration.dry_run()`` and ``Integration.discard_changes()`` of the async SDK (the
blocking twins: ``test_process.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_core import DryRunReport, RunMode
from ocean_core.sdk.aio import Integration
from ocean_core.service import IntegrationChange
from tests.sdk.support import box, serving, write_config

pytestmark = pytest.mark.anyio


async def test_dry_run_returns_the_report_and_runs_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", files=4))
    async with serving(config) as served:
        await served.idle("box-a")
    async with serving(write_config(tmp_path, box("box-a", files=2, resync_on_start=False))
                       ) as served:
        integration = await Integration.get("box-a", client=served.client)
        report = await integration.dry_run()
        status = await integration.status()
        sent = list(served.requests)
    assert isinstance(report, DryRunReport)
    assert (report.kinds["file"].unchanged, report.kinds["file"].deleted) == (2, 2)
    assert [r.identifier for r in report.kinds["file"].deleted_sample] == ["file-2", "file-3"]
    assert status.generation == 1 and status.status == "idle"
    assert sent[-2] == "POST /api/integrations/box-a/resync"


async def test_dry_run_incremental_asks_for_an_incremental_report(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", files=4, resync_on_start=False))
    async with serving(config) as served:
        integration = await Integration.get("box-a", client=served.client)
        report = await integration.dry_run(incremental=True)
        full = await integration.dry_run()
    assert report.mode is RunMode.INCREMENTAL and report.kinds["file"].skipped  # no cursor
    assert full.mode is RunMode.FULL and full.kinds["file"].created == 4


async def test_discard_changes_resyncs_with_the_file_and_the_state_shows_it(
    tmp_path: Path,
) -> None:
    async with serving(write_config(tmp_path, box("box-a", files=3))) as served:
        await served.idle("box-a")
        integration = await Integration.get("box-a", client=served.client)
        await served.service.change("box-a", IntegrationChange(config={"files": 1}))
        await served.idle("box-a")
        changed = await integration.status()
        run = await integration.discard_changes()
        await run.wait(timeout=20)
        after = await integration.status()
    assert changed.api_changes is not None and changed.api_changes.settings == ["config.files"]
    assert run.record is not None and run.record.trigger == "config"
    assert run.record.kinds["file"].upserted == 2  # file-1 and file-2 are back
    assert after.api_changes is None and after.changed_through_api is False

