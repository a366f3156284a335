"""The API's JSON shapes as the SDK reads them.

The SDK keeps its own models instead of importing the server's (``ocean_core.api``), so a
client needs neither FastAPI nor the service. Unknown fields are ignored: a newer server may
add some without breaking an older SDK.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from ocean_core.results import ResyncResult

T = TypeVar("T")

RunStatus = Literal[
    "pending", "superseded", "running", "succeeded", "failed", "aborted", "interrupted"
]
Asker = Literal["sdk", "cli", "api"]
"""Who asks for a resync, as its record's ``trigger`` says."""
DRY_RUN_SECONDS = 300.0
"""How much longer than a call's usual timeout a dry run may take: it fetches everything."""
ENDED: frozenset[str] = frozenset({"succeeded", "failed", "aborted", "interrupted"})
"""The statuses of a run that has ended (``superseded`` has not: a newer run covers it)."""


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RunHandle(_Wire):
    """Where a triggered run stands (see ``Run``)."""

    run_id: str
    integration_id: str
    generation: int
    status: RunStatus
    superseded_by: str | None = None
    url: str | None = None
    run: ResyncResult | None = None


class PendingRun(_Wire):
    run_id: str
    generation: int


class ApiChangesInfo(_Wire):
    """What the changes made through the API override in the server's config file."""

    changed_at: datetime | None = None
    settings: list[str] = []
    """Each setting changed: ``name``, ``mapping``, ``config.kinds.team`` (never a value)."""


class IntegrationStatus(_Wire):
    """An integration's state right now: ``status`` is ``running``, ``pending`` or ``idle``;
    ``current_run`` is the live record of the run in flight, ``last_run`` the newest ended."""

    id: str
    type: str
    name: str | None = None
    status: Literal["running", "pending", "idle"]
    generation: int
    resync_on_start: bool = False
    next_scheduled_run_at: datetime | None = None
    schedule: dict[str, Any] | None = None
    """The schedule of full resyncs; ``incremental_schedule`` that of incremental ones."""
    incremental_schedule: dict[str, Any] | None = None
    cursors: list[dict[str, Any]] = []
    """Each kind's last committed cursor: ``kind``, ``value``, ``committed_at``, ``current``
    (in the detail of one integration, ``Integration.get``)."""
    current_run: ResyncResult | None = None
    pending_run: PendingRun | None = None
    last_run: ResyncResult | None = None
    last_started_at: datetime | None = None
    last_ended_at: datetime | None = None
    changed_through_api: bool = False
    api_changes: ApiChangesInfo | None = None
    """What the API's changes override in the config file; None when the file applies."""


class KnowledgeBaseInfo(_Wire):
    id: str
    name: str
    created_at: datetime | None = None
    integration_ids: list[str] = []


class AttachmentInfo(_Wire):
    integration_id: str
    attached_at: datetime | None = None
    integration: IntegrationStatus | None = None


class EntityInfo(_Wire):
    integration_id: str
    kind: str
    blueprint: str
    identifier: str
    title: str | None = None
    team: Any = None
    icon: str | None = None
    properties: dict[str, Any] = {}
    relations: dict[str, Any] = {}


class Page(_Wire, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class WebhookFailure(_Wire):
    """A failed attempt at a webhook event: ``status`` ``pending`` while it is to be tried
    again, ``failed`` when no attempt is left, ``handled`` if a later attempt succeeded."""

    id: int
    name: str
    received_at: datetime
    attempts: int
    error: str
    status: str


class WebhookStats(_Wire):
    """An integration's webhook events (``Integration.webhook_stats()``): counts kept in the
    server's catalog, and ``rejected``, the requests the serving process refused unverified."""

    integration_id: str
    webhooks: list[str] = []
    runs_here: bool = False
    received: int = 0
    handled: int = 0
    failed: int = 0
    retried: int = 0
    pending: int = 0
    rejected: int = 0
    last_received_at: datetime | None = None
    last_handled_at: datetime | None = None
    failures: list[WebhookFailure] = []
