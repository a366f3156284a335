"""Where the API is and how to authenticate: explicit arguments, else the environment.

The environment is read when a client is made, not at import, so a script that sets
``OCEAN_API_URL`` / ``OCEAN_API_TOKEN`` before its first call is served by them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 30.0
URL_ENV = "OCEAN_API_URL"
TOKEN_ENV = "OCEAN_API_TOKEN"


@dataclass(frozen=True)
class Settings:
    """The resolved address, token and timeout of one client."""

    url: str
    token: str | None
    timeout: float

    @classmethod
    def resolve(
        cls, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> Settings:
        """Explicit values win; else ``OCEAN_API_URL`` (default ``http://127.0.0.1:8000``)
        and ``OCEAN_API_TOKEN`` (default: none, and the server answers 401)."""
        found_url = url or os.environ.get(URL_ENV) or DEFAULT_URL
        found_token = token if token is not None else os.environ.get(TOKEN_ENV) or None
        return cls(found_url.rstrip("/"), found_token,
                   DEFAULT_TIMEOUT if timeout is None else timeout)

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "ocean_core.sdk"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers
