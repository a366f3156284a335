"""From the service's live objects to the API's JSON shapes."""

from __future__ import annotations

from typing import Any

from ocean_core._interval import format_interval
from ocean_core.api._models import (
    IntegrationDetail,
    IntegrationState,
    PendingRun,
    RunHandle,
    RunState,
    ScheduleState,
)
from ocean_core.errors import NotFoundError
from ocean_core.results import ResyncResult
from ocean_core.service import Instance, OceanService


async def integration_state(service: OceanService, instance: Instance) -> dict[str, Any]:
    ocean = instance.ocean
    recent = await service.catalog.runs(instance.id, limit=2)
    if instance.holder:
        current, status = ocean.current_run, ocean.state
        generation, pending = ocean.generation, ocean.pending
    else:  # run by another process: what it recorded in the shared catalog
        current = recent[0] if recent and not recent[0].status.finished else None
        waiting = [t for t in instance.sent.values()
                   if not recent or t.generation > recent[0].generation]
        pending = waiting[-1] if waiting else None
        status = "running" if current else ("pending" if pending else "idle")
        generation = await service.catalog.generation(instance.id)
    latest = current or (recent[0] if recent else None)
    ended = next((r for r in recent if r.status.finished), None)
    schedule = None
    if instance.schedule is not None:
        interval = instance.schedule.interval
        schedule = ScheduleState(
            interval=format_interval(interval),
            interval_seconds=interval.total_seconds(),
            next_run_at=instance.schedule.next_due,
            skipped_ticks=instance.skipped_ticks,
            last_skipped_at=instance.last_skipped_at,
        )
    settings = instance.settings
    return {
        "id": instance.id,
        "type": ocean.integration.type or settings.type,
        "name": settings.name,
        "status": status,
        "generation": generation,
        "run_here": instance.holder,
        "resync_on_start": settings.resync_on_start,
        "next_scheduled_run_at": schedule.next_run_at if schedule else None,
        "schedule": schedule,
        "current_run": current,
        "pending_run": PendingRun(run_id=pending.run_id, generation=pending.generation)
        if pending else None,
        "last_run": ended,
        "last_started_at": latest.started_at if latest else None,
        "last_ended_at": ended.ended_at if ended else None,
        "changed_through_api": settings != instance.file_settings,
    }


async def state_view(service: OceanService, instance: Instance) -> IntegrationState:
    return IntegrationState(**await integration_state(service, instance))


async def detail_view(service: OceanService, instance: Instance) -> IntegrationDetail:
    ocean = instance.ocean
    return IntegrationDetail(
        **await integration_state(service, instance),
        kinds=[step.spec.name for step in ocean.plan.steps],
        config=ocean.integration.config.model_dump(mode="json"),
        mapping=instance.settings.mapping,
    )


async def run_handle(
    service: OceanService, instance: Instance, run_id: str, url: str
) -> RunHandle:
    """Where a triggered run stands: pending, superseded, or its record."""
    ocean = instance.ocean
    def handle(generation: int, status: RunState, **more: Any) -> RunHandle:
        return RunHandle(run_id=run_id, integration_id=instance.id, url=url,
                         generation=generation, status=status, **more)

    pending = ocean.pending
    if pending is not None and pending.run_id == run_id:
        return handle(pending.generation, "pending")
    current = ocean.current_run
    record: ResyncResult | None = current if current and current.id == run_id else None
    record = record or await service.catalog.get_run(run_id)
    if record is not None and record.integration_id == instance.id:
        return handle(record.generation, record.status.value, run=record)
    superseded = ocean.superseded(run_id)
    if superseded is not None:
        old, newer = superseded
        return handle(old.generation, "superseded", superseded_by=newer.run_id)
    sent = instance.sent.get(run_id)
    if sent is not None:  # passed on to the process that runs the integration
        newest = await service.catalog.runs(instance.id, limit=1)
        if newest and newest[0].generation > sent.generation:
            return handle(sent.generation, "superseded", superseded_by=newest[0].id)
        return handle(sent.generation, "pending")
    raise NotFoundError("run", run_id)
