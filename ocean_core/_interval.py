"""Durations as people write them in config files: ``90``, ``"45s"``, ``"30m"``, ``"2h"``,
``"1d"``, or a sum such as ``"1h30m"``. A bare number counts seconds."""

from __future__ import annotations

import math
import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_WHOLE = re.compile(r"(?:\s*\d+(?:\.\d+)?\s*[smhdw])+\s*")


def parse_interval(value: str | int | float | timedelta) -> timedelta:
    """Read a duration; raise ``ValueError`` with what was given and what is accepted.

    >>> parse_interval("1h30m")
    datetime.timedelta(seconds=5400)
    """
    seconds = _seconds(value)
    if not math.isfinite(seconds):
        raise ValueError(f"not a duration: {value!r}")
    if seconds <= 0:
        raise ValueError(f"an interval must be positive (got {value!r})")
    return timedelta(seconds=seconds)


def _seconds(value: str | int | float | timedelta) -> float:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool):  # bool is an int; `true` is never a duration
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = value.strip().lower()
    try:
        return float(text)
    except ValueError:
        pass
    if not _WHOLE.fullmatch(text):
        raise ValueError(
            f"not a duration: {value!r} (expected seconds, or a number with a unit s, m, h, d"
            ' or w, e.g. 90, "30m", "2h", "1d", "1h30m")'
        )
    return sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(text))


def format_interval(interval: timedelta) -> str:
    """The shortest exact spelling: ``5400`` seconds reads ``1h30m``."""
    seconds = interval.total_seconds()
    if seconds != int(seconds):
        return f"{seconds:g}s"
    parts, rest = [], int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
