"""What the service says of an integration and of a triggered run: frozen records, worked out
here once, so that the API (and any other reader) only presents them.

An integration's runner may be this process or another one (a standby's view, with a shared
PostgreSQL catalog). The runner knows its runtime first hand; a standby reads what the runner
recorded in the catalog and what it passed on to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from ocean_core.catalog import Catalog
from ocean_core.errors import NotFoundError
from ocean_core.ocean import Ocean, RunTicket
from ocean_core.results import ResyncResult
from ocean_core.service._overrides import ApiChanges
from ocean_core.service._passed_on import PassedOn

ActivityStatus = Literal["running", "pending", "idle"]
"""``running`` while a run is in flight, ``pending`` while a triggered run waits to start."""

RunState = Literal[
    "pending", "superseded", "running", "succeeded", "failed", "aborted", "interrupted"
]
"""Where a triggered run stands: not started, never to start (a newer trigger covers it), or
the status of its record."""

UNSETTLED: frozenset[str] = frozenset({"pending", "running"})


@dataclass(frozen=True)
class TriggeredRun:
    """A triggered run: ``pending``, ``superseded`` (``superseded_by`` is the run that covers
    it) or its record's status, with the ``record``."""

    run_id: str
    integration_id: str
    generation: int
    status: RunState
    superseded_by: str | None = None
    record: ResyncResult | None = None

    @property
    def settled(self) -> bool:
        """It has ended, or it never will start (superseded)."""
        return self.status not in UNSETTLED


@dataclass(frozen=True)
class ScheduleSnapshot:
    """One schedule of an integration, and the ticks it skipped (kept across restarts)."""

    interval: timedelta
    next_due: datetime
    skipped_ticks: int
    last_skipped_at: datetime | None


@dataclass(frozen=True)
class CursorSnapshot:
    """A kind's committed cursor (rule 9): its value (a number, or a UTC ISO-8601 timestamp),
    when it was committed, and whether it is ``current``: committed under the kind's mapping
    and config in effect. One that is not counts as none: the kind's next incremental run
    fetches it whole (without a sweep)."""

    kind: str
    value: int | float | str
    committed_at: datetime
    current: bool


@dataclass(frozen=True)
class IntegrationSnapshot:
    """One integration, right now."""

    id: str
    type: str
    name: str | None
    status: ActivityStatus
    generation: int
    runs_here: bool
    """Whether this process runs the integration; with a PostgreSQL catalog another process
    may, and this one passes triggers on to it."""
    resync_on_start: bool
    schedule: ScheduleSnapshot | None
    current_run: ResyncResult | None
    """A copy of the live record of the run in flight, with its per-kind counts."""
    pending_run: RunTicket | None
    last_run: ResyncResult | None
    """The newest run that has ended."""
    last_started_at: datetime | None
    last_ended_at: datetime | None
    changed_through_api: bool
    kinds: tuple[str, ...]
    config: dict[str, Any]
    """The integration's config as JSON, secrets masked."""
    mapping: dict[str, Any] | str | None
    """Inline mapping, the mapping file's path, or None for the type's default."""
    catalog_error: str | None = None
    """Why the catalog refused the last write of a trigger or change (the API answered 503);
    None once a write succeeds."""
    incremental_schedule: ScheduleSnapshot | None = None
    """The schedule of incremental resyncs (``scheduled_incremental_interval``), if any;
    ``schedule`` is the one of full resyncs."""
    cursors: tuple[CursorSnapshot, ...] = ()
    """The last committed cursor of each kind that has one, in plan order."""
    api_changes: ApiChanges | None = None
    """What the changes made through the API override in the config file, and since when."""

    @property
    def next_scheduled_run_at(self) -> datetime | None:
        """When the next scheduled run, full or incremental, is due."""
        due = [s.next_due for s in (self.schedule, self.incremental_schedule) if s is not None]
        return min(due, default=None)


@dataclass(frozen=True)
class Activity:
    """What an integration is doing, as seen from this process."""

    status: ActivityStatus
    generation: int
    current: ResyncResult | None
    pending: RunTicket | None
    recent: list[ResyncResult]
    """The two newest records (the first may be the run in flight)."""

    @property
    def last_started_at(self) -> datetime | None:
        latest = self.current or (self.recent[0] if self.recent else None)
        return latest.started_at if latest else None

    @property
    def last_ended(self) -> ResyncResult | None:
        return next((r for r in self.recent if r.status.finished), None)


async def cursor_snapshots(
    integration_id: str, ocean: Ocean, catalog: Catalog
) -> tuple[CursorSnapshot, ...]:
    """Each kind's committed cursor, judged against the plan of ``ocean``."""
    stored = await catalog.cursors(integration_id)
    prints = {s.spec.name: s.fingerprint for s in ocean.plan.steps if s.cursor is not None}
    order = [*prints, *sorted(set(stored) - set(prints))]
    return tuple(
        CursorSnapshot(kind, stored[kind].value, stored[kind].committed_at,
                       prints.get(kind) == stored[kind].fingerprint)
        for kind in order if kind in stored
    )


async def activity(
    integration_id: str, ocean: Ocean, catalog: Catalog, runs_here: bool, passed: PassedOn
) -> Activity:
    """The runner's own runtime says what it does; a standby reads the shared catalog and
    counts a trigger it passed on as pending until a run of its generation (or newer)
    shows up there."""
    recent = await catalog.runs(integration_id, limit=2)
    if runs_here:
        current = ocean.current_run
        copy = current.model_copy(deep=True) if current is not None else None
        return Activity(ocean.state, ocean.generation, copy, ocean.pending,
                        _with_unrecorded(ocean.last_run, recent))
    current = recent[0] if recent and not recent[0].status.finished else None
    pending = passed.newest_after(recent[0].generation if recent else 0)
    status: ActivityStatus = "running" if current else ("pending" if pending else "idle")
    generation = await catalog.generation(integration_id)
    return Activity(status, generation, current, pending, recent)


def _with_unrecorded(last: ResyncResult | None, recent: list[ResyncResult]
                     ) -> list[ResyncResult]:
    """The catalog's newest records, with the runtime's last run in place of its record: a
    catalog that refused the run's last writes holds it as ``running``, or not at all."""
    if last is None:
        return recent
    others = [r for r in recent if r.id != last.id]
    if others and others[0].generation > last.generation:
        return recent  # a newer run is in flight, and recorded
    return [last.model_copy(deep=True), *others][:2]


async def triggered_run(
    integration_id: str, run_id: str, ocean: Ocean, catalog: Catalog, passed: PassedOn
) -> TriggeredRun:
    """Where a triggered run stands, from the first source that knows it: the runtime's
    pending trigger, its run in flight, the catalog's records, the runtime's superseded
    triggers, and the triggers passed on to another process. ``NotFoundError`` if none."""
    def found(generation: int, status: RunState, **more: Any) -> TriggeredRun:
        return TriggeredRun(run_id, integration_id, generation, status, **more)

    pending = ocean.pending
    if pending is not None and pending.run_id == run_id:
        return found(pending.generation, "pending")
    current, last = ocean.current_run, ocean.last_run
    record = current.model_copy(deep=True) if current and current.id == run_id else None
    if record is None and last is not None and last.id == run_id:
        record = last.model_copy(deep=True)  # as it ended, even if the catalog refused it
    record = record or await catalog.get_run(run_id)
    if record is not None and record.integration_id == integration_id:
        return found(record.generation, record.status.value, record=record)
    superseded = ocean.superseded(run_id)
    if superseded is not None:
        old, newer = superseded
        return found(old.generation, "superseded", superseded_by=newer.run_id)
    sent = passed.get(run_id)
    if sent is not None:  # passed on to the process that runs the integration
        newest = await catalog.runs(integration_id, limit=1)
        if newest and newest[0].generation > sent.generation:
            return found(sent.generation, "superseded", superseded_by=newest[0].id)
        return found(sent.generation, "pending")
    raise NotFoundError("run", run_id)
