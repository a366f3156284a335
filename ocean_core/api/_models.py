"""The JSON shapes of the HTTP API (its OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ocean_core.results import ResyncResult
from ocean_core.service import ActivityStatus, RunState

T = TypeVar("T")


class RunHandle(BaseModel):
    """A triggered run, to follow until it ends.

    ``pending``: triggered, not started yet. ``superseded``: a newer trigger came before it
    started, so it never will; ``superseded_by`` is the run that covers it. Otherwise the run's
    own status, with its record in ``run``.
    """

    run_id: str
    integration_id: str
    generation: int
    status: RunState
    superseded_by: str | None = None
    url: str = Field(description="Where to GET this handle again.")
    run: ResyncResult | None = None


class ScheduleState(BaseModel):
    interval: str = Field(description='As configured, normalised: "2h", "1h30m", "90s"...')
    interval_seconds: float
    next_run_at: datetime
    skipped_ticks: int = Field(description="Ticks skipped because a run was in flight.")
    last_skipped_at: datetime | None = None


class CursorState(BaseModel):
    """A kind's last committed cursor (rule 9)."""

    kind: str
    value: int | float | str = Field(description="A number, or a UTC ISO-8601 timestamp.")
    committed_at: datetime
    current: bool = Field(description="Committed under the mapping and config in effect;"
                          " false: the kind's next incremental run fetches it whole.")


class PendingRun(BaseModel):
    run_id: str
    generation: int


class ApiChangesOut(BaseModel):
    """What the changes made through the API (``PATCH``) override in the config file."""

    changed_at: datetime | None = Field(description="When the newest change was made.")
    settings: list[str] = Field(
        description='Each setting changed: "name", "mapping", "config.kinds.team" (no value).'
    )


class IntegrationState(BaseModel):
    """What an operator needs to know about one integration, right now."""

    id: str
    type: str
    name: str | None
    status: ActivityStatus
    generation: int
    run_here: bool = Field(
        description="Whether this process runs the integration; with a PostgreSQL catalog"
        " another process may, and this one passes triggers on to it."
    )
    resync_on_start: bool
    next_scheduled_run_at: datetime | None = Field(
        description="When the next scheduled run (full or incremental) is due.")
    schedule: ScheduleState | None = Field(description="The schedule of full resyncs.")
    incremental_schedule: ScheduleState | None = Field(
        default=None, description="The schedule of incremental resyncs (rule 9), if any.")
    current_run: ResyncResult | None = Field(description="Live, with per-kind counts.")
    pending_run: PendingRun | None
    last_run: ResyncResult | None = Field(description="The newest run that has ended.")
    last_started_at: datetime | None
    last_ended_at: datetime | None
    changed_through_api: bool
    api_changes: ApiChangesOut | None = Field(
        default=None, description="What the API's changes override in the config file, and"
        " since when; null when the file's settings apply. `DELETE .../changes` discards them.",
    )
    catalog_error: str | None = Field(
        default=None,
        description="Why the catalog refused to record the last trigger or change (answered"
        " 503); null once a write succeeds.",
    )


class IntegrationDetail(IntegrationState):
    kinds: list[str]
    cursors: list[CursorState] = Field(
        default_factory=list, description="Each kind's last committed cursor, in plan order.")
    config: dict[str, Any] = Field(description="The integration's config; secrets masked.")
    mapping: dict[str, Any] | str | None = Field(
        description="Inline mapping, the mapping file's path, or null for the type's default."
    )


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass ``next_cursor`` as ``cursor`` for the next (null: done)."""

    items: list[T]
    next_cursor: str | None


class EntityOut(BaseModel):
    integration_id: str
    kind: str
    blueprint: str
    identifier: str
    title: str | None
    team: Any = None
    icon: str | None = None
    properties: dict[str, Any]
    relations: dict[str, Any]


class ResyncRequest(BaseModel):
    """Optional body of ``POST .../resync``: who asks (recorded as the run's trigger), and
    whether the run is incremental (rule 9: only the kinds with a cursor, from their cursors,
    no sweep), and whether to only report what a run would do (``dry_run``)."""

    model_config = ConfigDict(extra="forbid")

    trigger: Literal["api", "cli", "sdk"] = "api"
    incremental: bool = Field(
        default=False, description="An incremental run (rule 9): only the kinds with a"
        " cursor, each from its committed cursor, no sweep; full when it replaces or aborts"
        " a full run. With dry_run: what an incremental run would do.",
    )
    dry_run: bool = Field(
        default=False, description="Fetch and map, write nothing, and answer 200 with the"
        " report of what a run would create, change, leave unchanged and delete, with the"
        " guards' verdicts; no generation, no run, nothing recorded.",
    )


class IntegrationPatch(BaseModel):
    """Any PATCH, even ``{}``, triggers a resync. A changed ``config`` or ``mapping`` is
    validated, applied and kept (across restarts) first; invalid: 422 and nothing changes."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    config: dict[str, Any] | None = Field(
        default=None, description="A JSON merge patch (RFC 7396) over the config in effect:"
        " objects merge, null removes a key, other values replace. `**********` (a masked"
        " secret, as GET shows it) keeps the current value; a secret may be set only as a"
        " reference to an environment variable of the server, `${NAME}`.",
    )
    mapping: dict[str, Any] | None = Field(
        default=None, description="Replaces the mapping (Port Ocean resource-mapping format)."
    )


class Health(BaseModel):
    status: Literal["ok", "stopping"]
    integrations: int


class ErrorBody(BaseModel):
    """Every error response: ``detail`` says what is wrong (a list of field problems for
    422), ``error`` is a stable code."""

    detail: Any
    error: str


class KnowledgeBaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._-]{1,64}$",
        description="Choose the id (409 if it exists); default: a new random id.",
    )


class KnowledgeBaseOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    integration_ids: list[str] = Field(description="Attached integrations, in attach order.")


class AttachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    integration_id: str


class KbIntegrationOut(BaseModel):
    integration_id: str
    attached_at: datetime
    integration: IntegrationState | None = Field(
        description="The integration's state; null if it is no longer configured."
    )
