"""From the service's frozen records to the API's JSON shapes: field for field, deciding
nothing (the service works out status, pending runs and generations)."""

from __future__ import annotations

from typing import Any

from ocean_core._interval import format_interval
from ocean_core.api._models import (
    ApiChangesOut,
    CursorState,
    IntegrationDetail,
    IntegrationState,
    PendingRun,
    RunHandle,
    ScheduleState,
)
from ocean_core.service import IntegrationSnapshot, ScheduleSnapshot, TriggeredRun


def _schedule(schedule: ScheduleSnapshot | None) -> ScheduleState | None:
    if schedule is None:
        return None
    return ScheduleState(
        interval=format_interval(schedule.interval),
        interval_seconds=schedule.interval.total_seconds(),
        next_run_at=schedule.next_due,
        skipped_ticks=schedule.skipped_ticks,
        last_skipped_at=schedule.last_skipped_at,
    )


def _state_fields(state: IntegrationSnapshot) -> dict[str, Any]:
    pending = state.pending_run
    return {
        "id": state.id,
        "type": state.type,
        "name": state.name,
        "status": state.status,
        "generation": state.generation,
        "run_here": state.runs_here,
        "resync_on_start": state.resync_on_start,
        "next_scheduled_run_at": state.next_scheduled_run_at,
        "schedule": _schedule(state.schedule),
        "incremental_schedule": _schedule(state.incremental_schedule),
        "current_run": state.current_run,
        "pending_run": PendingRun(run_id=pending.run_id, generation=pending.generation)
        if pending is not None else None,
        "last_run": state.last_run,
        "last_started_at": state.last_started_at,
        "last_ended_at": state.last_ended_at,
        "changed_through_api": state.changed_through_api,
        "api_changes": ApiChangesOut(
            changed_at=state.api_changes.changed_at, settings=list(state.api_changes.settings),
        ) if state.api_changes is not None else None,
        "catalog_error": state.catalog_error,
    }


def state_view(state: IntegrationSnapshot) -> IntegrationState:
    return IntegrationState(**_state_fields(state))


def detail_view(state: IntegrationSnapshot) -> IntegrationDetail:
    return IntegrationDetail(
        **_state_fields(state), kinds=list(state.kinds), config=state.config,
        mapping=state.mapping, cursors=[
            CursorState(kind=c.kind, value=c.value, committed_at=c.committed_at,
                        current=c.current)
            for c in state.cursors
        ],
    )


def handle_view(run: TriggeredRun, url: str) -> RunHandle:
    return RunHandle(
        run_id=run.run_id, integration_id=run.integration_id, generation=run.generation,
        status=run.status, superseded_by=run.superseded_by, url=url, run=run.record,
    )
