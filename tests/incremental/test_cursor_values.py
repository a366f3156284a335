"""Cursor values: numbers and ISO-8601 timestamps, normalised to UTC; the lag arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ocean_core._cursor_values import (
    CursorValueError,
    Lag,
    format_timestamp,
    read_value,
    same_family,
    since_from,
    stored,
)

NOON = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", [
    "2026-12-03T12:00:00Z", "2026-12-03T12:00:00+00:00", "2026-12-03T14:00:00+02:00",
    "2026-12-03T07:00:00.000-0500", "2026-12-03T12:00:00", "2026-12-03 12:00",
])
def test_timestamps_in_any_zone_compare_as_the_same_instant(text: str) -> None:
    assert read_value(text) == NOON
    assert stored(read_value(text)) == "2026-12-03T12:00:00Z"  # type: ignore[arg-type]


def test_microseconds_are_kept_only_when_there_are_some() -> None:
    assert format_timestamp(NOON.replace(microsecond=1500)) == "2026-12-03T12:00:00.001500Z"
    assert read_value("2026-12-03T12:00:00.001500Z") == NOON.replace(microsecond=1500)


@pytest.mark.parametrize("value", [0, 7, 2.5, -3])
def test_numbers_are_kept_as_numbers(value: float) -> None:
    assert read_value(value) == value
    assert stored(value) == value


def test_null_means_no_cursor_value() -> None:
    assert read_value(None) is None


@pytest.mark.parametrize("value", [True, "yesterday", "", {"at": 1}, [1], float("nan"),
                                   float("inf")])
def test_anything_else_is_refused(value: Any) -> None:
    with pytest.raises(CursorValueError):
        read_value(value)


def test_numbers_and_timestamps_are_different_families() -> None:
    assert same_family(1, 2.5) and same_family(NOON, NOON)
    assert not same_family(1, NOON)


def test_since_is_the_committed_cursor_when_there_is_no_lag() -> None:
    assert since_from(41, None) == 41
    assert since_from("2026-12-03T12:00:00Z", None) == NOON


def test_a_lag_moves_a_numeric_cursor_back_in_its_units() -> None:
    assert since_from(41, Lag(10.0, duration=False)) == 31
    assert isinstance(since_from(41, Lag(10.0, duration=False)), int)
    assert since_from(4.5, Lag(0.5, duration=False)) == 4.0


def test_a_lag_moves_a_timestamp_back_in_seconds_whichever_way_it_was_written() -> None:
    assert since_from("2026-12-03T12:00:00Z", Lag(300.0, duration=True)) == (
        NOON - timedelta(minutes=5))
    assert since_from("2026-12-03T12:00:00Z", Lag(60.0, duration=False)) == (
        NOON - timedelta(minutes=1))


def test_a_duration_lag_on_a_numeric_cursor_is_an_error() -> None:
    with pytest.raises(CursorValueError, match="is a duration, but the cursor's values are"):
        since_from(41, Lag(300.0, duration=True))
