"""``Integration`` and ``Run`` of ``ocean_core.sdk.aio`` against the real app, in-process."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ocean_core import ResyncResult
from ocean_core.sdk import NotFound, RunHandle, RunWaitTimeout
from ocean_core.sdk.aio import Integration, Run
from tests.sdk.support import box, serving, write_config
from tests.service.support import Gate, gated

pytestmark = pytest.mark.anyio


async def test_list_and_get_show_id_name_and_the_class_type(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", name="Team Box"), box("box-b"))
    async with serving(config) as served:
        found = await Integration.list(client=served.client)
        one = await Integration.get("box-b", client=served.client)
    assert [(i.object_id, i.id, i.name, i.type) for i in found] == [
        ("box-a", "box-a", "Team Box", "Box"), ("box-b", "box-b", None, "Box"),
    ]
    assert (one.object_id, one.type) == ("box-b", "Box")
    assert repr(one) == "Integration(id='box-b', type='Box', name=None)"


async def test_get_of_an_unknown_id_is_not_found_with_the_known_ids(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a"))
    async with serving(config) as served:
        with pytest.raises(NotFound) as caught:
            await Integration.get("nope", client=served.client)
    error = caught.value
    assert (error.status, error.what, error.key, error.known) == (
        404, "integration", "nope", ["box-a"])
    assert str(error) == ("GET /api/integrations/nope failed with 404: no integration 'nope'"
                          " (configured: box-a)")
    assert (error.method, error.path) == ("GET", "/api/integrations/nope")


async def test_resync_returns_a_handle_at_once_and_wait_follows_it_to_the_end(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, box("box-a", files=4, resync_on_start=False))
    async with serving(config) as served:
        integration = await Integration.get("box-a", client=served.client)
        run = await integration.resync()
        assert isinstance(run, Run) and run.integration_id == "box-a"
        assert run.generation == 1 and run.status in ("pending", "running", "succeeded")
        assert await run.wait(timeout=20) is run
        again = await Run(run.handle, served.client).refresh()
    assert run.done and run.succeeded and run.status == "succeeded"
    assert isinstance(run.record, ResyncResult)
    assert run.record.trigger == "sdk" and run.record.kinds["file"].upserted == 4
    assert again.handle == run.handle


async def test_status_and_refresh_read_fresh_state(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", resync_on_start=False))
    async with serving(config) as served:
        integration = await Integration.get("box-a", client=served.client)
        before = integration.state
        await (await integration.resync()).wait(timeout=20)
        status = await integration.status()
        refreshed = await (await Integration.get("box-a", client=served.client)).refresh()
    assert (before.generation, before.last_run) == (0, None)
    assert status.status == "idle" and status.generation == 1
    assert status.last_run is not None and status.last_run.status == "succeeded"
    assert integration.state == status and refreshed.state.generation == 1


async def test_runs_are_the_history_newest_first_paged_lazily(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", resync_on_start=False))
    async with serving(config) as served:
        integration = await Integration.get("box-a", client=served.client)
        for _ in range(3):
            await (await integration.resync()).wait(timeout=20)
        served.requests.clear()
        two = await integration.runs(limit=2, page_size=1)
        paged_requests = list(served.requests)
        everything = await integration.runs(limit=None, page_size=2)
        none = await integration.runs(limit=0)
    assert all(isinstance(r, ResyncResult) for r in everything)
    assert [r.generation for r in everything] == [3, 2, 1]
    assert [r.generation for r in two] == [3, 2]
    assert paged_requests == ["GET /api/integrations/box-a/resyncs"] * 2  # no third page
    assert none == []


async def test_wait_follows_superseded_handles_to_the_run_that_covers_them(
    tmp_path: Path, gate: Gate
) -> None:
    config = write_config(tmp_path, gated("a", items=4, gate="g"))
    async with serving(config) as served:
        await gate.reached.wait()
        integration = await Integration.get("a", client=served.client)
        runs = [await integration.resync() for _ in range(4)]
        first_id = runs[0].run_id
        await runs[0].refresh()
        status_before = runs[0].status
        await runs[0].wait(timeout=20)
    assert status_before == "superseded"
    assert runs[0].run_id == runs[-1].run_id != first_id
    assert runs[0].succeeded and runs[0].generation == 5


async def test_wait_times_out_with_a_typed_error_then_succeeds_once_released(
    tmp_path: Path, gate: Gate
) -> None:
    config = write_config(tmp_path, gated("a", items=4, gate="g"))
    async with serving(config) as served:
        await gate.reached.wait()
        status = await (await Integration.get("a", client=served.client)).status()
        assert status.current_run is not None
        run = await Run(_handle(status.current_run.id, status.generation),
                        served.client).refresh()
        with pytest.raises(RunWaitTimeout) as caught:
            await run.wait(timeout=0.2)
        gate.release.set()
        with anyio.fail_after(20):
            await run.wait()
    error = caught.value
    assert (error.run_id, error.status, error.timeout) == (run.run_id, "running", 0.2)
    assert str(error) == (f"GET /api/integrations/a/resyncs/{run.run_id}: run "
                          f"{run.run_id!r} still running after 0.2s")
    assert run.status == "succeeded" and run.record is not None



async def test_resync_records_who_asks(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", resync_on_start=False))
    async with serving(config) as served:
        integration = await Integration.get("box-a", client=served.client)
        by_cli = await (await integration.resync(trigger="cli")).wait(timeout=20)
        by_default = await (await integration.resync()).wait(timeout=20)
    assert by_cli.record is not None and by_cli.record.trigger == "cli"
    assert by_default.record is not None and by_default.record.trigger == "sdk"


async def test_wait_reports_the_run_in_flight_at_each_short_poll(
    tmp_path: Path, gate: Gate
) -> None:
    config = write_config(tmp_path, gated("a", items=4, gate="g"))
    seen: list[tuple[str, int | None]] = []

    def progress(run: Run) -> None:
        upserted = run.record.kinds["item"].upserted if run.record else None
        seen.append((run.status, upserted))
        if len(seen) == 2:
            gate.release.set()

    async with serving(config) as served:
        await gate.reached.wait()
        status = await (await Integration.get("a", client=served.client)).status()
        assert status.current_run is not None
        run = Run(_handle(status.current_run.id, status.generation), served.client)
        with anyio.fail_after(20):
            await run.wait(poll=0.05, on_progress=progress)
        polls = [r for r in served.requests if r.endswith(f"/resyncs/{run.run_id}")]
    assert [status for status, _ in seen[:2]] == ["running", "running"]
    assert all(n is not None and n <= 2 for _, n in seen[:2])  # the gate holds half back
    assert run.status == "succeeded" and run.record is not None
    assert run.record.kinds["item"].upserted == 4
    assert len(polls) == len(seen) + 1  # one answer per call back, and the final one


def _handle(run_id: str, generation: int) -> RunHandle:
    return RunHandle(run_id=run_id, integration_id="a", generation=generation,
                     status="running")
