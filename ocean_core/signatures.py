"""Checking a webhook's signature or token against a secret, in constant time (rule 8).

    from ocean_core.signatures import hmac_sha256_hex, signature_matches

    def verify_webhook(self, request: WebhookRequest) -> bool:
        return signature_matches(self.config.webhook_secret, request.body,
                                 request.headers.get("X-Shop-Signature"), prefix="sha256=")

Every check is ``False`` when no secret is configured (``None`` or empty): an integration
without a ``webhook_secret`` refuses every webhook. Values are compared as bytes with
``hmac.compare_digest`` (a header may hold any text, and ``compare_digest`` refuses strings
that are not ASCII).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from pydantic import SecretStr

Secret = SecretStr | str | None


def _secret_bytes(secret: Secret) -> bytes | None:
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    return value.encode("utf-8") if value else None


def hmac_sha256_hex(secret: SecretStr | str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``body`` keyed with ``secret`` (what GitHub, PagerDuty and
    Jira send, behind their own prefix)."""
    key = _secret_bytes(secret)
    if key is None:
        raise ValueError("an HMAC needs a non-empty secret")
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def same_text(expected: str, presented: str) -> bool:
    """``expected == presented`` in constant time (for equal lengths), for any text."""
    return hmac.compare_digest(expected.encode("utf-8"), presented.encode("utf-8"))


def signature_matches(
    secret: Secret, body: bytes, presented: str | None, *, prefix: str = "sha256="
) -> bool:
    """Whether ``presented`` is ``prefix`` + the hex HMAC-SHA256 of ``body`` under
    ``secret``. The hex digits are compared without regard to case."""
    return any_signature_matches(secret, body, [] if presented is None else [presented],
                                 prefix=prefix)


def any_signature_matches(
    secret: Secret, body: bytes, presented: Iterable[str], *, prefix: str = "sha256="
) -> bool:
    """Whether one of ``presented`` is a matching signature (a vendor that rotates its
    secret sends several). Every candidate is checked, so the time taken does not say
    which one matched."""
    key = _secret_bytes(secret)
    if key is None:
        return False
    expected = prefix + hmac.new(key, body, hashlib.sha256).hexdigest()
    matched = False
    for candidate in presented:
        head, hexdigest = candidate[: len(prefix)], candidate[len(prefix):]
        matched |= same_text(expected, head + hexdigest.lower())
    return matched


def token_matches(secret: Secret, presented: str | None) -> bool:
    """Whether ``presented`` is the secret itself (GitLab's ``X-Gitlab-Token``)."""
    key = _secret_bytes(secret)
    if key is None or presented is None:
        return False
    return hmac.compare_digest(key, presented.encode("utf-8"))
