"""Who may call the API: bearer tokens, and a rate limit on changes.

Every route but ``GET /health`` depends on ``Access``. The token of ``api.token`` may do
everything; the optional ``api.read_token`` may only read (a safe method: GET or HEAD). Tokens
are compared in constant time, so a guess learns nothing from how long a refusal takes.
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

_bearer = HTTPBearer(
    auto_error=False, description="`api.token` (or the read-only `api.read_token`)."
)


class Access:
    """A FastAPI dependency: the caller's token decides what it may do."""

    def __init__(
        self, token: str, read_token: str | None = None, rate: RateLimitSettings | None = None
    ) -> None:
        self._token = token.encode()
        self._read_token = read_token.encode() if read_token else None
        self._rate = rate
        self._limiters: dict[bool, RateLimiter] = {}

    async def __call__(
        self, request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        given = credentials.credentials.encode() if credentials is not None else b""
        admin = hmac.compare_digest(given, self._token)
        reader = self._read_token is not None and hmac.compare_digest(given, self._read_token)
        if not (admin or reader):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="missing or wrong bearer token (header: Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if request.method in SAFE_METHODS:
            return
        if not admin:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"the read-only token may not {request.method} {request.url.path}",
            )
        self._limit(admin)

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
