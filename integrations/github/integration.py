"""The ``github`` integration: repositories, pull requests, issues, teams, members, workflows.

It reads GitHub's REST API (github.com or GitHub Enterprise Server) for one organization or one
user account. The listings live in ``_api``, the client in ``_client``; this module only wires
them to kinds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from ocean_core import Deleted, KindSpec, LiveChange, WebhookRequest, kind, webhook
from ocean_core.http import HTTPIntegration, RetryPolicy, get_object
from ocean_core.signatures import signature_matches

from . import _api, _webhooks
from ._api import (
    ISSUES,
    PULL_REQUESTS,
    WORKFLOWS,
    Page,
    Pages,
    RepositoryListing,
    changed_issues,
    changed_pull_requests,
    in_state,
    organization_listing,
    per_repository,
)
from ._client import github_headers, retry_policy
from .config import GitHubConfig

MAPPING_FILE = Path(__file__).with_name("mapping.yaml")
LAG = "5m"
"""Subtracted from the committed ``updated_at`` cursor of pull requests and issues: covers a
change made while a run reads the repositories it already passed (a run of up to five
minutes), and clocks a little apart; what comes again is unchanged, never duplicated."""
ORGANIZATION_KINDS = frozenset({"team", "member"})
"""Kinds only an organization has; a user account has none of them."""


def load_default_mapping() -> dict[str, Any]:
    """The default mapping shipped next to this module, in the Port Ocean format."""
    mapping = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict):
        raise TypeError(f"{MAPPING_FILE} must hold a mapping with 'resources'")
    return mapping


class GitHubIntegration(HTTPIntegration):
    """Read one GitHub organization (or user account) into the catalog.

    Example::

        ocean = Ocean(GitHubIntegration({"org": "acme", "token": token}),
                      catalog=SQLiteCatalog("ocean.db"), integration_id="github-acme")
        result = await ocean.resync()

    ``transport`` replaces the network in tests (``ocean_core.testing.recorded_transport``);
    ``retry`` replaces the retry policy (tests inject one whose ``sleep`` does not wait).

    In a run the repository listing is fetched once, by the first kind that reads it, and
    replayed to the others; per-repository listings go ``config.max_concurrency`` repositories
    at a time.
    """

    type = "github"
    config_model = GitHubConfig
    default_mapping = load_default_mapping()

    config: GitHubConfig

    def headers(self) -> dict[str, str]:
        return github_headers(self.config)

    def default_retry(self) -> RetryPolicy:
        """Waits out secondary rate limits, and a reset up to ``config.max_retry_wait``."""
        return retry_policy(self.config)

    def kinds(self) -> list[KindSpec]:
        """Every kind; for a user account, teams and members are always (and rightly) empty."""
        specs = super().kinds()
        if self.config.org is not None:
            return specs
        return [
            dataclasses.replace(spec, may_be_empty=True)
            if spec.name in ORGANIZATION_KINDS
            else spec
            for spec in specs
        ]

    def get_default_mapping(self) -> dict[str, Any] | None:
        """The shipped mapping; for a user account without the kinds only organizations have."""
        mapping = self.default_mapping
        if self.config.org is not None or mapping is None:
            return mapping
        resources = [r for r in mapping["resources"] if r["kind"] not in ORGANIZATION_KINDS]
        return {**mapping, "resources": resources}

    def _repositories(self, client: httpx.AsyncClient) -> Pages:
        """The owner's repositories: listed once per run for every kind that needs them."""
        return self.listing("repositories", lambda: _api.repositories(client, self.config))

    async def _per_repository(self, what: RepositoryListing) -> Pages:
        async with self.client() as client:
            listing = per_repository(
                client, self.config, what, self._repositories(client), self.max_concurrency
            )
            async with aclosing(listing) as pages:
                async for page in pages:
                    yield page

    def verify_webhook(self, request: WebhookRequest) -> bool:
        """``X-Hub-Signature-256`` is ``sha256=`` and the body's HMAC under
        ``config.webhook_secret`` (none configured: every webhook is refused)."""
        return signature_matches(self.config.webhook_secret, request.body,
                                 request.headers.get(_webhooks.SIGNATURE_HEADER))

    @webhook("github")
    async def github_events(self, request: WebhookRequest) -> list[LiveChange]:
        """Repository, pull request, issue, workflow run, team and membership events (by
        ``X-GitHub-Event``); an object the payload gives in part is fetched again."""
        payload = request.json_object()
        name = request.headers.get(_webhooks.EVENT_HEADER, "")
        async with self.client() as client:
            async def fetch(path: str) -> dict[str, Any] | None:
                return await get_object(client, path, gone=(404, 410))

            return await _webhooks.live_changes(_webhooks.Event(name, payload, self.config, fetch))

    @kind("repository")
    async def repositories(self) -> AsyncIterator[Page]:
        """The owner's repositories (``config.repositories`` restricts them by name)."""
        async with self.client() as client, aclosing(self._repositories(client)) as pages:
            async for page in pages:
                yield page

    async def _changed(
        self, full: RepositoryListing, changed: RepositoryListing | None
    ) -> AsyncGenerator[Page | Deleted, None]:
        """``full``'s pages; in an incremental run ``changed``'s (every state, updated since),
        with what is no longer in ``config.state`` as ``Deleted``."""
        async with aclosing(self._per_repository(changed or full)) as pages:
            async for page in pages:
                if changed is None:
                    yield page
                    continue
                kept, left = in_state(page, self.config.state)
                if kept:
                    yield kept
                if left:
                    yield Deleted(left)

    @kind("pull-request", may_be_empty=True, cursor=".updated_at", lag=LAG)
    async def pull_requests(self, since: datetime | None = None) -> AsyncIterator[Page | Deleted]:
        """Pull requests of every selected repository, in ``config.state``. Incremental: those
        updated since, newest first per repository (the endpoint has no ``since``; the listing
        stops at the first older one)."""
        changed = changed_pull_requests(since) if since is not None else None
        async with aclosing(self._changed(PULL_REQUESTS, changed)) as pages:
            async for page in pages:
                yield page

    @kind("issue", may_be_empty=True, cursor=".updated_at", lag=LAG)
    async def issues(self, since: datetime | None = None) -> AsyncIterator[Page | Deleted]:
        """Issues (not pull requests) of every selected repository, in ``config.state``.
        Incremental: GitHub's ``since``, newest change first per repository."""
        changed = changed_issues(since) if since is not None else None
        async with aclosing(self._changed(ISSUES, changed)) as pages:
            async for page in pages:
                yield page

    @kind("team", may_be_empty=True)
    async def teams(self) -> AsyncIterator[Page]:
        """The organization's teams visible to the token; none for a user account."""
        async with (
            self.client() as client,
            aclosing(organization_listing(client, self.config, "teams")) as pages,
        ):
            async for page in pages:
                yield page

    @kind("member")
    async def members(self) -> AsyncIterator[Page]:
        """The organization's members visible to the token; none for a user account."""
        async with (
            self.client() as client,
            aclosing(organization_listing(client, self.config, "members")) as pages,
        ):
            async for page in pages:
                yield page

    @kind("workflow", may_be_empty=True)
    async def workflows(self) -> AsyncIterator[Page]:
        """GitHub Actions workflows of every selected repository."""
        async with aclosing(self._per_repository(WORKFLOWS)) as pages:
            async for page in pages:
                yield page
