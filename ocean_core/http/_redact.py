"""Keep credentials out of log lines and error messages.

A secret leaks through the URL (``?access_token=...``, ``user:pass@``), through the
``Authorization`` header, or through text that echoes either (an exception message, a response
body). One ``Redactor`` knows the values to hide and is applied to everything this package writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import httpx

MASK = "***"

# Substrings of query parameter names that carry credentials: token, access_token, api_key,
# client_secret, password, X-Amz-Signature... Over-redacting `monkey=` is the cheap mistake.
_SENSITIVE_NAME = re.compile(r"token|key|secret|passw|signature", re.IGNORECASE)
_USERINFO_PASSWORD = re.compile(r"(//[^/@:?#]*):[^/@?#]*@")
# Secrets shorter than this would mask ordinary words ("a", "id"): refuse to rely on them.
_MIN_SECRET_LENGTH = 3


class Redactor:
    """Replaces known secret values, and credential-looking URL parts, with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        kept = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = tuple(sorted(kept, key=len, reverse=True))

    @classmethod
    def for_client(
        cls,
        secrets: Iterable[str],
        headers: Mapping[str, str] | None,
        auth: httpx.Auth | tuple[str, str] | None,
    ) -> Redactor:
        """Collect the secrets a client is configured with: given values, auth header, password."""
        found = list(secrets)
        for name, value in (headers or {}).items():
            if name.lower() in ("authorization", "proxy-authorization"):
                found.extend(_header_secrets(value))
        if isinstance(auth, tuple):
            found.append(auth[1])
        return cls(found)

    def for_request(self, request: httpx.Request) -> Redactor:
        """Add what an auth flow put on this request (bearer tokens, basic credentials)."""
        extra = [
            secret
            for name in ("authorization", "proxy-authorization")
            if name in request.headers
            for secret in _header_secrets(request.headers[name])
        ]
        return Redactor([*self._secrets, *extra]) if extra else self

    def text(self, value: str) -> str:
        """Mask every known secret inside free text."""
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        return value

    def url(self, url: httpx.URL | str) -> str:
        """Mask credential-looking query values and the userinfo password, then known secrets."""
        raw = _USERINFO_PASSWORD.sub(rf"\1:{MASK}@", str(url))
        base, hash_, fragment = raw.partition("#")
        path, question, query = base.partition("?")
        if question:
            query = "&".join(_mask_pair(pair) for pair in query.split("&"))
        return self.text(f"{path}{question}{query}{hash_}{fragment}")


def _mask_pair(pair: str) -> str:
    name, equals, _value = pair.partition("=")
    return f"{name}={MASK}" if equals and _SENSITIVE_NAME.search(name) else pair


def _header_secrets(value: str) -> list[str]:
    """The whole header value and, after a scheme like ``Bearer``, the credential alone."""
    _scheme, _, credential = value.strip().partition(" ")
    return [value, credential.strip()] if credential.strip() else [value]
