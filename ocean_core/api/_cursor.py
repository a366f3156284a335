"""Opaque page cursors: a key serialised to URL-safe text, checked on the way back."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from ocean_core.errors import ConfigError


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str]:
    """The key of ``size`` strings in ``cursor``; ``ConfigError`` (422) if it is not one."""
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise ConfigError.single("cursor", f"not a cursor this API made (got {cursor!r})") from exc
    if not (isinstance(key, list) and len(key) == size and all(isinstance(k, str) for k in key)):
        raise ConfigError.single("cursor", f"not a cursor this API made (got {cursor!r})")
    return key
