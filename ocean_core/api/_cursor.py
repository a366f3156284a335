"""Opaque page cursors: a key serialised to URL-safe text, checked on the way back."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError

from ocean_core.api._validation import NUL


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def _refused(cursor: str) -> RequestValidationError:
    shown = cursor if len(cursor) <= 80 else cursor[:80] + "..."
    return RequestValidationError([{
        "loc": ("query", "cursor"), "type": "cursor_invalid",
        "msg": f"not a cursor this API made (got {shown!r})",
    }])


def decode_cursor(cursor: str, size: int) -> list[str]:
    """The key of ``size`` strings in ``cursor``; 422 naming ``cursor`` if it is not one (a
    key that does not decode, or holds a NUL no catalog can compare)."""
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise _refused(cursor) from exc
    if not (isinstance(key, list) and len(key) == size and all(isinstance(k, str) for k in key)):
        raise _refused(cursor)
    if any(NUL in k for k in key):
        raise _refused(cursor)
    return key


def decode_run_cursor(cursor: str) -> tuple[datetime, str]:
    """``(started_at, run id)`` of a run-history cursor; 422 naming ``cursor`` otherwise."""
    started_at, run_id = decode_cursor(cursor, 2)
    try:
        when = datetime.fromisoformat(started_at)
    except ValueError as exc:
        raise _refused(cursor) from exc
    if when.tzinfo is None:  # every record's time is aware; comparing would raise
        raise _refused(cursor)
    return when, run_id
