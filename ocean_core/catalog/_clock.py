"""The clock a catalog reads ``created_at`` and ``attached_at`` from, and how it keeps times:
aware UTC datetimes, whatever zone the clock reads in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeAlias

Clock: TypeAlias = Callable[[], datetime]
"""What a catalog reads ``created_at`` and ``attached_at`` from (tests pass a fake one)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A reading as an aware UTC datetime (naive readings are taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


__all__ = ["Clock", "as_utc", "utc_now"]
