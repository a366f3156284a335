"""The service's typed state: frozen snapshots of an integration and of a triggered run,
worked out by the runner (this process's, or a standby's view of another process's run),
and its metrics without the HTTP API."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import anyio
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ocean_core.config import load_config
from ocean_core.errors import NotFoundError
from ocean_core.service import IntegrationSnapshot, OceanService, TriggeredRun
from tests.service.support import Gate, gated, write_config

pytestmark = pytest.mark.anyio


async def test_a_snapshot_is_frozen_and_copies_the_run_in_flight(
    tmp_path: Path, gate: Gate
) -> None:
    item = {**gated("a", items=4, gate="g"), "scheduled_resync_interval": "1h"}
    async with OceanService(load_config(write_config(tmp_path, item))) as service:
        await gate.reached.wait()
        live = service.get("a").ocean.current_run
        running = await service.state("a")
        ticket = await service.trigger("a")
        waiting = await service.state("a")
        gate.release.set()
        ended = await service.run_status("a", ticket.run_id, wait=20)
        idle = await service.state("a")
    assert isinstance(running, IntegrationSnapshot) and live is not None
    assert (running.status, running.generation, running.runs_here) == ("running", 1, True)
    assert running.current_run is not None and running.current_run.id == live.id
    assert running.current_run.status == "running"  # as it was: the live record moved on
    assert live.status == "aborted" and live.delete_skipped_reason is not None
    assert running.kinds == ("item",) and running.pending_run is None
    assert running.schedule is not None and running.schedule.interval.total_seconds() == 3600
    assert running.next_scheduled_run_at == running.schedule.next_due
    with pytest.raises(dataclasses.FrozenInstanceError):
        running.status = "idle"  # type: ignore[misc]
    assert waiting.pending_run == ticket and waiting.generation == 2
    assert (ended.status, ended.generation, ended.record is not None) == ("succeeded", 2, True)
    assert idle.status == "idle" and idle.last_run is not None
    assert idle.last_run.id == ticket.run_id and idle.current_run is None
    assert [s.id for s in await _states(service)] == ["a"]


async def _states(service: OceanService) -> list[IntegrationSnapshot]:
    return await service.states()


async def test_a_run_is_pending_then_superseded_or_its_record(
    tmp_path: Path, gate: Gate
) -> None:
    async with OceanService(load_config(write_config(tmp_path, gated("a", gate="g")))) as svc:
        await gate.reached.wait()
        first, second = await svc.trigger("a"), await svc.trigger("a")
        pending = await svc.run_status("a", second.run_id)
        superseded = await svc.run_status("a", first.run_id)
        gate.release.set()
        covered = await svc.run_status("a", second.run_id, wait=20)
        with pytest.raises(NotFoundError):
            await svc.run_status("a", "no-such-run")
    assert pending == TriggeredRun(second.run_id, "a", second.generation, "pending")
    assert (superseded.status, superseded.superseded_by) == ("superseded", second.run_id)
    assert superseded.settled and not pending.settled
    assert covered.status == "succeeded" and covered.record is not None
    assert covered.record.id == second.run_id


async def test_the_service_exposes_its_metrics(tmp_path: Path) -> None:
    fake = {"id": "f", "type": "fake", "config": {"kinds": {"service": 2}}}
    service = OceanService(load_config(write_config(tmp_path, fake)))
    async with service:
        await service.get("f").ocean.wait_idle()
        text = service.metrics.render().decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    [sample] = families["ocean_resyncs"].samples
    assert sample.labels == {"integration": "f", "status": "succeeded", "trigger": "start"}
    assert service.metrics.content_type.startswith("text/plain; version=0.0.4")



async def test_a_standby_sees_the_runner_of_another_service_through_the_catalog(
    tmp_path: Path, gate: Gate, shared: str
) -> None:
    item = {**gated("a", items=4, gate="g"), "resync_on_start": False}
    config = load_config(write_config(tmp_path, item, catalog=shared))
    async with OceanService(config) as runner, OceanService(config) as standby:
        before = await standby.state("a")
        ticket = await standby.trigger("a")
        just_sent = await standby.run_status("a", ticket.run_id)
        with anyio.fail_after(20):
            await gate.reached.wait()
        seen = await standby.state("a")
        seen_run = await standby.run_status("a", ticket.run_id)
        here = await runner.state("a")
        gate.release.set()
        ended = await standby.run_status("a", ticket.run_id, wait=20)
    assert (before.runs_here, before.status, before.generation) == (False, "idle", 0)
    assert just_sent.status in ("pending", "running") and just_sent.generation == 1
    assert (seen.runs_here, seen.status, seen.generation) == (False, "running", 1)
    assert seen.current_run is not None and seen.current_run.id == ticket.run_id
    assert seen.pending_run is None  # the run of the passed-on trigger has started
    assert seen_run.status == "running" and seen_run.record is not None
    assert (here.runs_here, here.status) == (True, "running")
    assert ended.status == "succeeded" and ended.record is not None
