"""The ``pagerduty`` integration: services, incidents, escalation policies, schedules, on-calls.

Every kind reads one collection of the REST API v2 with classic offset pagination, through one
``ocean_core.http`` client per kind that shares the instance's rate limiter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from ocean_core import Deleted, LiveChange, WebhookRequest, kind, webhook
from ocean_core.errors import PaginationError
from ocean_core.http import (
    HTTPIntegration,
    Params,
    RetryPolicy,
    get_object,
    paginate_offset,
)
from ocean_core.signatures import any_signature_matches

from . import _webhooks
from .config import PagerDutyConfig

MAPPING_FILE = Path(__file__).with_name("mapping.yaml")
LAG = "5m"
"""Subtracted from the committed ``updated_at`` cursor of incidents: covers the log entries
a run has passed when a change comes, and clocks a little apart."""
ACCEPT = "application/vnd.pagerduty+json;version=2"
Item = dict[str, Any]
Clock = Callable[[], datetime]


def load_default_mapping() -> dict[str, Any]:
    """The default mapping shipped next to this module, in the Port Ocean format."""
    mapping = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict):
        raise TypeError(f"{MAPPING_FILE} must hold a mapping with 'resources'")
    return mapping


def since_param(now: datetime, days: int) -> str:
    """The ``since`` of the incident listing: ``days`` before ``now``, ISO 8601 in UTC."""
    return _pagerduty_time(now - timedelta(days=days))


def _pagerduty_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    found = datetime.fromisoformat(text)
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _more(body: Any) -> bool:
    """PagerDuty's classic pagination: only ``more`` says whether another page follows."""
    return isinstance(body, dict) and body.get("more") is True


def _collection(name: str) -> Callable[[httpx.Response], list[Item]]:
    """The items of a page: the list named after the collection (``services``...)."""

    def items(response: httpx.Response) -> list[Item]:
        body = response.json()
        found = body.get(name) if isinstance(body, dict) else None
        if not isinstance(found, list):
            raise PaginationError(response.url.path, f"the response has no {name!r} list")
        return found

    return items


class PagerDutyIntegration(HTTPIntegration):
    """Read a PagerDuty account through the REST API v2.

    Example::

        ocean = Ocean(PagerDutyIntegration({"token": token}),
                      catalog=SQLiteCatalog("ocean.db"), integration_id="pagerduty")
        result = await ocean.resync()

    ``transport`` replaces the network in tests, ``retry`` the retry policy (tests give it a
    fake sleep) and ``clock`` the time the incident window ends at.
    """

    type = "pagerduty"
    config_model = PagerDutyConfig
    default_mapping = load_default_mapping()

    config: PagerDutyConfig

    def __init__(
        self,
        config: PagerDutyConfig | dict[str, Any] | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        super().__init__(config, transport=transport, retry=retry)
        self.clock = clock

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token token={self.config.token.get_secret_value()}",
                "Accept": ACCEPT}

    async def _list(
        self, path: str, collection: str, params: Params | None = None
    ) -> AsyncIterator[list[Item]]:
        """Pages of ``collection``: ``offset`` steps by what each page held, until ``more`` is
        false; an empty or repeated page while ``more`` is true is a ``PaginationError``."""
        async with self.client() as client:
            pages = paginate_offset(
                client, path, limit=self.config.page_size, params=params,
                items=_collection(collection), more=_more,
            )
            async with aclosing(pages):
                async for page in pages:
                    if page:
                        yield page

    @kind("service")
    def services(self) -> AsyncIterator[list[Item]]:
        """Every service of the account."""
        return self._list("/services", "services")

    @kind("incident", may_be_empty=True, cursor=".updated_at", lag=LAG)
    def incidents(self, since: datetime | None = None) -> AsyncIterator[list[Item] | Deleted]:
        """Incidents in the configured statuses, created in the last ``incidents_since_days``.

        Incremental: the incident listing's ``since`` filters on creation, not change, so the
        incidents changed since come from the log entries since (``is_overview``, each with
        its incident included); one no longer in the configured statuses or window is
        ``Deleted``."""
        if since is not None:
            return self._changed_incidents(since)
        params: Params = {
            "statuses[]": list(self.config.incident_statuses),
            "since": since_param(self.clock(), self.config.incidents_since_days),
        }
        return self._list("/incidents", "incidents", params)

    async def _changed_incidents(self, since: datetime) -> AsyncIterator[list[Item] | Deleted]:
        params: Params = {"since": _pagerduty_time(since), "is_overview": "true",
                          "include[]": ["incidents"]}
        tracked = self._tracked()
        async for entries in self._list("/log_entries", "log_entries", params):
            changed = [entry["incident"] for entry in entries
                       if isinstance(entry.get("incident"), dict) and "status" in entry["incident"]]
            kept = [incident for incident in changed if tracked(incident)]
            left = [incident for incident in changed if not tracked(incident)]
            if kept:
                yield kept
            if left:
                yield Deleted(left)

    def _tracked(self) -> Callable[[Item], bool]:
        """Whether an incident is one the listing reads: in the configured statuses, created
        within the window (as of now)."""
        window = self.clock() - timedelta(days=self.config.incidents_since_days)
        statuses = set(self.config.incident_statuses)

        def tracked(incident: Item) -> bool:
            created = incident.get("created_at")
            recent = not isinstance(created, str) or _parse_time(created) >= window
            return incident.get("status") in statuses and recent

        return tracked

    def verify_webhook(self, request: WebhookRequest) -> bool:
        """One of the ``v1=`` signatures of ``X-PagerDuty-Signature`` is the body's HMAC
        under ``config.webhook_secret`` (none configured: every webhook is refused)."""
        presented = _webhooks.signatures(request.headers.get(_webhooks.SIGNATURE_HEADER))
        return any_signature_matches(self.config.webhook_secret, request.body, presented,
                                     prefix=_webhooks.SIGNATURE_PREFIX)

    @webhook("pagerduty")
    async def pagerduty_events(self, request: WebhookRequest) -> list[LiveChange]:
        """Incident events (``incident.triggered``, ``.acknowledged``, ``.resolved``, ...)
        and service events; the object is fetched again when the payload lacks a field."""
        body = request.json_object()
        async with self.client() as client:
            async def fetch(path: str, key: str) -> Item | None:
                return await get_object(client, path, key=key)

            changes = await _webhooks.live_changes(body, fetch, self._tracked())
        return [change for change in changes if change]

    @kind("escalation-policy")
    def escalation_policies(self) -> AsyncIterator[list[Item]]:
        """Every escalation policy, with its rules and targets."""
        return self._list("/escalation_policies", "escalation_policies")

    @kind("schedule", may_be_empty=True)
    def schedules(self) -> AsyncIterator[list[Item]]:
        """Every on-call schedule (an account may page users directly and have none)."""
        return self._list("/schedules", "schedules")

    @kind("oncall", may_be_empty=True)
    def oncalls(self) -> AsyncIterator[list[Item]]:
        """Who is on call now: one item per user, escalation policy, level and schedule."""
        return self._list("/oncalls", "oncalls")
