"""The ``jira`` integration: the projects, issues and users of a Jira Cloud site."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from ocean_core import Deleted, LiveChange, WebhookRequest, kind, webhook
from ocean_core.http import (
    HTTPIntegration,
    RetryPolicy,
    get_object,
    paginate_cursor,
    paginate_offset,
)
from ocean_core.mapping import Selector
from ocean_core.signatures import signature_matches

from . import _http, _jql, _webhooks
from .config import DEFAULT_JQL, JiraConfig, JiraSelector

MAPPING_FILE = Path(__file__).with_name("mapping.yaml")
RawItem = dict[str, Any]
Batches = AsyncGenerator[list[RawItem], None]
API = "/rest/api/3"
Clock = Callable[[], datetime]
LAG = "5m"
"""Subtracted from the committed ``fields.updated`` cursor of issues: Jira's search index
trails its writes by seconds, its clock and this process's may differ a little, and a run may
take minutes (see ``_jql``); what comes again is unchanged, never duplicated."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def load_default_mapping() -> dict[str, Any]:
    """The default mapping shipped next to this module, in the Port Ocean format."""
    mapping = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict):
        raise TypeError(f"{MAPPING_FILE} must hold a mapping with 'resources'")
    return mapping


class JiraIntegration(HTTPIntegration):
    """Read a Jira Cloud site through the REST API v3.

    Example::

        jira = JiraIntegration({"base_url": "https://example.atlassian.net",
                                "email": "ocean@example.com", "api_token": "ATATT...",
                                "jql": "project = ABC"})
        ocean = Ocean(jira, catalog=SQLiteCatalog("ocean.db"), integration_id="jira")
        result = await ocean.resync()

    An ``issue`` resource of the mapping may name its own JQL in its selector (``JiraSelector``,
    as in Port Ocean): ``selector: {query: "true", jql: "project = ABC"}``; the config's
    ``jql`` is the default. Two issue resources with different JQL make two searches.

    ``transport`` replaces the network (tests pass a recorded transport), ``retry`` the
    retry policy (tests give it a fake sleep) and ``clock`` the time an incremental search
    counts back from; all default to the real thing.
    """

    type = "jira"
    config_model = JiraConfig
    selector_model = JiraSelector
    default_mapping = load_default_mapping()

    config: JiraConfig

    def __init__(
        self,
        config: JiraConfig | dict[str, Any] | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        super().__init__(config, transport=transport, retry=retry)
        self.clock = clock

    def headers(self) -> dict[str, str]:
        return _http.headers(self.config)

    def auth(self) -> tuple[str, str] | None:
        return _http.basic_auth(self.config)

    def verify_webhook(self, request: WebhookRequest) -> bool:
        """``X-Hub-Signature`` is ``sha256=`` and the body's HMAC under
        ``config.webhook_secret`` (none configured: every webhook is refused)."""
        return signature_matches(self.config.webhook_secret, request.body,
                                 request.headers.get(_webhooks.SIGNATURE_HEADER))

    @webhook("jira")
    async def jira_events(self, request: WebhookRequest) -> list[LiveChange]:
        """Issue events (``jira:issue_created``, ``_updated``, ``_deleted``), project and
        user events; what was created or updated is read again by key."""
        body = request.json_object()
        async with self.client() as client:
            async def fetch(path: str, params: Mapping[str, str]) -> RawItem | None:
                return await get_object(client, path, params=params)

            changes = await _webhooks.live_changes(body, fetch, self.config.issue_fields)
        return [change for change in changes if change]

    @kind("project")
    async def projects(self) -> Batches:
        """Every project the account can browse, with its lead and description."""
        async with self.client() as client:
            listing = paginate_offset(
                client,
                f"{API}/project/search",
                offset_param="startAt",
                limit_param="maxResults",
                limit=self.config.page_size,
                params={"expand": "description,lead"},
                items=_http.values,
                total=_http.total,
            )
            async with aclosing(listing) as pages:
                async for page in pages:
                    yield page

    def issue_jql(self, selector: Selector | None) -> str:
        """The JQL of an issue search: the selector's ``jql``, else the config's, else the
        default (every issue the account can browse)."""
        jql = selector.jql if isinstance(selector, JiraSelector) else None
        return jql if jql is not None else self.config.search_jql

    @kind("issue", may_be_empty=True, cursor=".fields.updated", lag=LAG)
    async def issues(
        self, selector: Selector | None = None, since: datetime | None = None
    ) -> AsyncGenerator[list[RawItem] | Deleted, None]:
        """The issues of the resource's JQL (``selector.jql``), else of the config's. In an
        incremental run, those updated since (newest first), then, as ``Deleted``, those
        updated since that the JQL no longer selects."""
        jql = self.issue_jql(selector)
        if since is None:
            async with aclosing(self._search(jql)) as pages:
                async for page in pages:
                    yield page
            return
        now = self.clock()
        async with aclosing(self._search(_jql.changed(jql, since, now))) as pages:
            async for page in pages:
                yield page
        # Every issue the account can see (the default) leaves no scope behind: no second search.
        gone = None if jql == DEFAULT_JQL else _jql.left(jql, since, now)
        if gone is None:
            return
        async with aclosing(self._search(gone)) as pages:
            async for page in pages:
                if page:
                    yield Deleted(page)

    async def _search(self, jql: str) -> Batches:
        # `updated` always: it is the kind's cursor, whatever else the config asks for.
        fields = list(dict.fromkeys([*self.config.issue_fields, "updated"]))
        params: dict[str, str | int] = {
            "jql": jql, "fields": ",".join(fields), "maxResults": self.config.page_size,
        }
        async with self.client() as client:
            listing = paginate_cursor(
                client,
                f"{API}/search/jql",
                cursor_param="nextPageToken",
                next_cursor=_http.next_page_token,
                params=params,
                items=_http.issues,
            )
            async with aclosing(listing) as pages:
                async for page in pages:
                    yield page

    @kind("user", may_be_empty=True)
    async def users(self) -> Batches:
        """Every user of the site: people (``atlassian``), apps and customers alike."""
        async with self.client() as client:
            listing = paginate_offset(
                client,
                f"{API}/users/search",
                offset_param="startAt",
                limit_param="maxResults",
                limit=self.config.page_size,
            )
            async with aclosing(listing) as pages:
                async for page in pages:
                    yield page
