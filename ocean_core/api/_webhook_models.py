"""The JSON shapes of the webhook route and of an integration's webhook statistics."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from ocean_core.catalog import EventStatus


class WebhookAccepted(BaseModel):
    """A verified webhook request, stored: it is handled after this answer, in order."""

    event_id: int


class WebhookFailureOut(BaseModel):
    """A failed attempt at an event: ``status`` is ``pending`` while it is to be tried again,
    ``failed`` when no attempt is left (or ``handled`` when a later attempt succeeded)."""

    id: int
    name: str
    received_at: datetime
    attempts: int
    error: str
    status: EventStatus


class WebhookStatsOut(BaseModel):
    """An integration's webhook events. The counts come from the catalog (every process, kept
    across restarts and pruning) but ``rejected``: requests this process refused because
    the integration's verification said no (nothing of them is stored)."""

    integration_id: str
    webhooks: list[str]
    runs_here: bool
    received: int
    handled: int
    failed: int
    retried: int
    pending: int
    rejected: int
    last_received_at: datetime | None
    last_handled_at: datetime | None
    failures: list[WebhookFailureOut]
