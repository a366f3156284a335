"""Who may call the API: bearer tokens, and a rate limit on changes.

The token of ``api.token`` may do everything; the optional ``api.read_token`` may only read (a
safe method: GET or HEAD). Tokens are compared in constant time, so a guess learns nothing from
how long a refusal takes. ``RequestGuard`` (``_guard.py``) refuses a request from its headers,
before its body is read; ``Access``, the routes' dependency, checks again, limits the rate of
changes and declares the scheme in the OpenAPI document.
"""

from __future__ import annotations

import hmac
import math
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ocean_core.config import RateLimitSettings
from ocean_core.http import RateLimiter

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNAUTHORIZED = "missing or wrong bearer token (header: Authorization: Bearer <token>)"

_bearer = HTTPBearer(
    auto_error=False, description="`api.token` (or the read-only `api.read_token`)."
)


class Tokens:
    """The API's tokens: the one that may do everything, and the optional read-only one."""

    def __init__(self, token: str, read_token: str | None = None) -> None:
        self._token = token.encode()
        self._read_token = read_token.encode() if read_token else None

    def is_admin(self, given: bytes) -> bool:
        return hmac.compare_digest(given, self._token)

    def is_reader(self, given: bytes) -> bool:
        return self._read_token is not None and hmac.compare_digest(given, self._read_token)

    def refusal(self, method: str, path: str, authorization: bytes
                ) -> tuple[int, str, dict[str, str]] | None:
        """Why a request with this ``Authorization`` header may not go on (status, detail,
        headers), or None."""
        scheme, _, given = authorization.partition(b" ")
        given = given.strip() if scheme.lower() == b"bearer" else b""
        if self.is_admin(given):
            return None
        if not self.is_reader(given):
            return 401, UNAUTHORIZED, {"WWW-Authenticate": "Bearer"}
        if method in SAFE_METHODS:
            return None
        return 403, f"the read-only token may not {method} {path}", {}


class Access:
    """A FastAPI dependency: the caller's token decides what it may do."""

    def __init__(self, tokens: Tokens, rate: RateLimitSettings | None = None) -> None:
        self._tokens = tokens
        self._rate = rate
        self._limiters: dict[bool, RateLimiter] = {}

    async def __call__(
        self, request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        given = credentials.credentials.encode() if credentials is not None else b""
        header = b"Bearer " + given
        refused = self._tokens.refusal(request.method, request.url.path, header)
        if refused is not None:
            code, detail, headers = refused
            raise HTTPException(code, detail=detail, headers=headers or None)
        if request.method not in SAFE_METHODS:
            self._limit(admin=True)

    def _limit(self, admin: bool) -> None:
        if self._rate is None:
            return
        limiter = self._limiters.setdefault(
            admin, RateLimiter(self._rate.per_second, self._rate.burst)
        )
        wait = limiter.try_acquire()
        if wait:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail=f"too many changes: at most {self._rate.per_second:g} per second"
                f" (bursts of {self._rate.burst}); retry in {wait:.2f}s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
