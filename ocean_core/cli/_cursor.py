"""The cursors ``ocean entities`` and ``ocean runs`` print for their next page: a key as
URL-safe text (the format of the API's cursors), checked on the way back."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson

from ocean_core.catalog import EntityKey, RunCursor
from ocean_core.errors import ConfigError


def encode(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def _decode(cursor: str, option: str, size: int) -> list[str]:
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        key = None
    if not (isinstance(key, list) and len(key) == size and all(isinstance(k, str) for k in key)
            and not any("\0" in k for k in key)):
        raise ConfigError.single(option, f"not a cursor this command printed (got {cursor!r})")
    return key


def entity_key(cursor: str) -> EntityKey:
    integration_id, blueprint, identifier = _decode(cursor, "--after", 3)
    return integration_id, blueprint, identifier


def run_cursor(cursor: str) -> RunCursor:
    started_at, run_id = _decode(cursor, "--before", 2)
    try:
        when = datetime.fromisoformat(started_at)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ConfigError.single("--before", f"not a cursor this command printed (got {cursor!r})")
    return when, run_id
