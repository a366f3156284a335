"""Cursor values and lags (rule 9): what a kind's cursor expression may give, how two values
compare, how they are stored, and how a lag moves a committed cursor back.

A cursor value is a number (a JSON number, not a boolean) or an ISO-8601 timestamp (a JSON
string). Timestamps compare as instants: every one is read as UTC (a timestamp without an
offset is taken to be UTC), and stored in one spelling, ``2026-12-03T10:15:00Z`` (with
``.ffffff`` only when it has microseconds), so two sources that write the same instant in
different zones give the same cursor. A fetcher receives a number as a number and a timestamp
as an aware ``datetime`` in UTC.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

from ocean_core._interval import parse_interval

Since: TypeAlias = int | float | datetime
"""What a fetcher's ``since`` holds in an incremental run: the committed cursor less the lag."""
StoredValue: TypeAlias = int | float | str
"""A cursor value as the catalog and the run record keep it (JSON)."""


class CursorValueError(ValueError):
    """A cursor expression gave a value that is neither a number nor an ISO-8601 timestamp,
    or one of the other family than the kind's earlier values."""


@dataclass(frozen=True)
class Lag:
    """How far back from the committed cursor an incremental fetch starts.

    ``amount`` is in the cursor's own units for numbers, in seconds for timestamps;
    ``duration`` says it was written as a duration (``"5m"``, a ``timedelta``), which only a
    timestamp cursor can take.
    """

    amount: float
    duration: bool

    def __str__(self) -> str:
        if self.duration:
            return f"{self.amount:g}s"
        return f"{self.amount:g}"


def parse_lag(value: Any) -> Lag | None:
    """``lag=`` of ``@kind``: ``None``, a number >= 0, or a duration (``"5m"``, ``"1h30m"``,
    a ``timedelta``); raises ``ValueError`` saying what is accepted."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"lag must be a number or a duration, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"lag must be a finite number >= 0, got {value!r}")
        return Lag(float(value), duration=False) if value else None
    if isinstance(value, timedelta | str):
        if isinstance(value, timedelta) and value == timedelta(0):
            return None
        return Lag(parse_interval(value).total_seconds(), duration=True)
    raise ValueError(
        f"lag must be a number or a duration such as \"5m\", got {type(value).__name__}"
    )


def read_value(value: Any) -> int | float | datetime | None:
    """One item's cursor value as it compares: a number, an aware UTC ``datetime``, or
    ``None`` for a null (an item without a cursor value, which leaves the cursor alone).
    Anything else raises ``CursorValueError``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CursorValueError(f"must be a number or an ISO-8601 timestamp, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise CursorValueError(f"must be a finite number, got {value!r}")
        return value
    if isinstance(value, str):
        return parse_timestamp(value)
    raise CursorValueError(
        f"must be a number or an ISO-8601 timestamp, got {type(value).__name__} {value!r:.100}"
    )


def parse_timestamp(text: str) -> datetime:
    """An ISO-8601 timestamp as an aware UTC ``datetime``; no offset means UTC."""
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CursorValueError(f"must be a number or an ISO-8601 timestamp, got {text!r:.100}"
                               ) from None
    if found.tzinfo is None:
        return found.replace(tzinfo=UTC)
    return found.astimezone(UTC)


def stored(value: int | float | datetime) -> StoredValue:
    """A compared value as it is kept: numbers as they are, timestamps in one UTC spelling."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    return value


def format_timestamp(value: datetime) -> str:
    """``2026-12-03T10:15:00Z``, with ``.ffffff`` only when there are microseconds."""
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def loaded(value: Any) -> int | float | datetime:
    """A kept value as it compares (the inverse of ``stored``)."""
    found = read_value(value)
    if found is None:
        raise CursorValueError("a committed cursor cannot be null")
    return found


def same_family(a: int | float | datetime, b: int | float | datetime) -> bool:
    """Both numbers, or both timestamps: only those compare."""
    return isinstance(a, datetime) == isinstance(b, datetime)


def since_from(value: Any, lag: Lag | None) -> Since:
    """The ``since`` of an incremental fetch: the committed cursor ``value`` less ``lag``.
    A duration lag on a numeric cursor raises ``CursorValueError``."""
    found = loaded(value)
    if lag is None:
        return found
    if isinstance(found, datetime):
        return found - timedelta(seconds=lag.amount)
    if lag.duration:
        raise CursorValueError(
            f"lag {lag} is a duration, but the cursor's values are numbers: give the lag as a"
            " number in the cursor's units"
        )
    amount = int(lag.amount) if lag.amount.is_integer() and isinstance(found, int) else lag.amount
    return found - amount
