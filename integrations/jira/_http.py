"""How the Jira Cloud client signs in, and the three ways its listings page.

- ``/rest/api/3/project/search``: ``{startAt, maxResults, total, isLast, values}``, by offset.
- ``/rest/api/3/search/jql`` (the issue search that replaced ``/rest/api/3/search``):
  ``{issues, nextPageToken, isLast}``, by token; the last page has no ``nextPageToken``.
- ``/rest/api/3/users/search``: a bare list, by offset; a short page is the last one.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import httpx

from .config import JiraConfig

Pages = AsyncGenerator[list[Any], None]


def headers(config: JiraConfig) -> dict[str, str]:
    """JSON, and the bearer token when the site is signed in with one."""
    headers = {"Accept": "application/json"}
    if config.token is not None:
        headers["Authorization"] = f"Bearer {config.token.get_secret_value()}"
    return headers


def basic_auth(config: JiraConfig) -> tuple[str, str] | None:
    """Basic auth (email, API token), unless the site is signed in with a bearer token."""
    if config.token is not None:
        return None
    if config.email is not None and config.api_token is not None:
        return (config.email, config.api_token.get_secret_value())
    # JiraConfig refuses this; a model built with model_construct may not have
    raise ValueError("JiraConfig needs email and api_token, or token")


def values(response: httpx.Response) -> list[Any]:
    """The items of a ``/project/search`` page."""
    items: list[Any] = response.json()["values"]
    return items


def total(response: httpx.Response) -> int | None:
    """How many items a ``/project/search`` listing has in all."""
    count = response.json().get("total")
    return count if isinstance(count, int) else None


def issues(response: httpx.Response) -> list[Any]:
    """The items of a ``/search/jql`` page."""
    items: list[Any] = response.json().get("issues", [])
    return items


def next_page_token(response: httpx.Response) -> str | None:
    """The token of the next ``/search/jql`` page; none (or ``isLast``) on the last page."""
    body = response.json()
    if body.get("isLast") is True:
        return None
    token = body.get("nextPageToken")
    return token if isinstance(token, str) and token else None
