"""Rule 9 in the service: the API takes the mode, the state shows both schedules and the
cursors, an incremental tick that finds a run in flight is skipped, and a full tick that finds
only incremental work takes over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from ocean_core import RunMode, Trigger
from tests.incremental.support import gated_desk
from tests.service.conftest import serving
from tests.service.support import Gate, write_config

pytestmark = pytest.mark.anyio


def _desk(**settings: Any) -> dict[str, Any]:
    config = settings.pop("config", {"items": 6})
    return {**gated_desk("d", **config), **settings}


async def test_post_resync_with_incremental_true_runs_an_incremental_run(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _desk())) as served:
        await served.idle("d")  # the resync on start: full, commits the cursor
        response = await served.client.post("/api/integrations/d/resync",
                                            json={"incremental": True})
        ended = await served.ended(response.json())
        detail = (await served.client.get("/api/integrations/d")).json()
        refused = await served.client.post("/api/integrations/d/resync",
                                           json={"incremental": "yes please"})
    assert response.status_code == 202
    assert ended["status"] == "succeeded" and ended["run"]["mode"] == "incremental"
    assert ended["run"]["kinds"]["ticket"]["since"] == 5
    assert ended["run"]["kinds"]["ticket"]["fetched"] == 1  # the boundary item, unchanged
    [cursor] = detail["cursors"]
    assert (cursor["kind"], cursor["value"], cursor["current"]) == ("ticket", 5, True)
    assert refused.status_code == 422


async def test_post_resync_with_dry_run_and_incremental_answers_an_incremental_report(
    tmp_path: Path,
) -> None:
    async with serving(write_config(tmp_path, _desk())) as served:
        await served.idle("d")  # the resync on start: full, commits the cursor 5
        history = (await served.client.get("/api/integrations/d/resyncs")).json()["items"]
        response = await served.client.post("/api/integrations/d/resync",
                                            json={"dry_run": True, "incremental": True})
        again = (await served.client.get("/api/integrations/d/resyncs")).json()["items"]
        detail = (await served.client.get("/api/integrations/d")).json()
    assert response.status_code == 200, response.text
    report = response.json()
    ticket = report["kinds"]["ticket"]
    assert report["mode"] == "incremental" and report["would_delete"] == 0
    assert (ticket["since"], ticket["fetched"], ticket["unchanged"]) == (5, 1, 1)
    assert ticket["cursor"] is None  # nothing above the committed cursor
    assert again == history and detail["generation"] == 1


async def test_the_state_shows_both_schedules(tmp_path: Path) -> None:
    item = _desk(scheduled_resync_interval="1d", scheduled_incremental_interval="5m")
    async with serving(write_config(tmp_path, item)) as served:
        state = (await served.client.get("/api/integrations/d")).json()
    assert state["schedule"]["interval"] == "1d"
    assert state["incremental_schedule"]["interval"] == "5m"
    assert state["next_scheduled_run_at"] == state["incremental_schedule"]["next_run_at"]


async def test_an_incremental_tick_runs_an_incremental_run(tmp_path: Path) -> None:
    item = _desk(scheduled_incremental_interval="0.05s")
    async with serving(write_config(tmp_path, item)) as served:
        ocean = served.service.get("d").ocean
        with anyio.fail_after(10):
            while ocean.last_run is None or ocean.last_run.trigger != Trigger.SCHEDULE:
                await served.service.next_change()
        run = ocean.last_run
    assert run.mode is RunMode.INCREMENTAL and run.status == "succeeded"


async def test_an_incremental_tick_that_finds_a_run_in_flight_is_skipped(
    tmp_path: Path, gate: Gate
) -> None:
    item = _desk(config={"items": 4, "gate": "g"}, scheduled_incremental_interval="0.02s")
    async with serving(write_config(tmp_path, item)) as served:
        runner = served.service.get("d")
        await gate.reached.wait()
        blocked = runner.ocean.current_run
        with anyio.fail_after(10):
            while (await served.service.state("d")).incremental_schedule.skipped_ticks < 3:
                await served.service.next_change()
        assert runner.ocean.current_run is blocked  # never aborted by an incremental tick
        stored = await served.service.catalog.get_state("d", "schedule_incremental")
        gate.release.set()
    assert blocked is not None and blocked.mode is RunMode.FULL
    assert stored["skipped_ticks"] >= 3 and stored["last_skipped_because"] == blocked.id


async def test_a_full_tick_takes_over_from_an_incremental_run(
    tmp_path: Path, gate: Gate
) -> None:
    item = _desk(config={"items": 4, "gate": "g"}, resync_on_start=False,
                 scheduled_resync_interval="0.3s")
    async with serving(write_config(tmp_path, item)) as served:
        runner = served.service.get("d")
        await served.service.trigger("d", Trigger.API, incremental=True)
        await gate.reached.wait()
        with anyio.fail_after(10):
            while runner.ocean.last_run is None or runner.ocean.last_run.mode is not RunMode.FULL:
                await served.service.next_change()
        history = await served.service.catalog.runs("d")
    assert [(r.mode, r.trigger, r.status) for r in history[-2:]] == [
        ("full", "schedule", "succeeded"), ("incremental", "api", "aborted")]


async def test_a_trigger_passed_on_by_another_process_keeps_its_mode(tmp_path: Path) -> None:
    async with serving(write_config(tmp_path, _desk(resync_on_start=False))) as served:
        runner = served.service.get("d")
        runner.on_notice({"integration_id": "d", "run_id": "passed-on", "generation": 5,
                          "trigger": "api", "reload": False, "incremental": True})
        assert runner.ocean.pending_mode is RunMode.INCREMENTAL
        run = await runner.ocean.wait_idle()
    assert run is not None and (run.id, run.mode, run.generation) == (
        "passed-on", RunMode.INCREMENTAL, 5)
