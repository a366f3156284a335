"""Scheduled resyncs: interval parsing, the tick grid, and ticks skipped while a run is in
flight (so a short interval can never starve the delete phase)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from ocean_core.config import load_config
from ocean_core.errors import ConfigError
from ocean_core.service import IntegrationSnapshot, Schedule, format_interval, parse_interval
from tests.service.conftest import serving
from tests.service.support import Gate, gated, write_config


@pytest.mark.parametrize(("given", "seconds"), [
    (90, 90), ("90", 90), (1.5, 1.5), ("45s", 45), ("30m", 1800), ("2h", 7200),
    ("1d", 86400), ("1w", 604800), ("1h30m", 5400), ("1.5h", 5400), (" 2 H ", 7200),
    ("0.05s", 0.05), (timedelta(minutes=3), 180),
])
def test_intervals_people_write(given: object, seconds: float) -> None:
    assert parse_interval(given).total_seconds() == seconds  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["", "soon", "1y", "1h x", "h", "0", "-5", -1, "nan", "inf",
                                   True])
def test_what_is_not_an_interval(given: object) -> None:
    with pytest.raises(ValueError, match=repr(given).replace("(", r"\(")):
        parse_interval(given)  # type: ignore[arg-type]


@pytest.mark.parametrize(("seconds", "text"), [
    (5400, "1h30m"), (90, "1m30s"), (86400, "1d"), (0.5, "0.5s"), (7200, "2h"),
])
def test_intervals_are_shown_in_their_shortest_exact_spelling(seconds: float, text: str) -> None:
    assert format_interval(timedelta(seconds=seconds)) == text
    assert parse_interval(text).total_seconds() == seconds


def test_a_bad_interval_in_the_config_names_the_field_and_value(tmp_path: Path) -> None:
    config = write_config(tmp_path, {**gated("a"), "scheduled_resync_interval": "2 hours"})
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    (problem,) = caught.value.problems
    assert problem.field == "integrations[0].scheduled_resync_interval"
    assert "'2 hours'" in problem.message


def test_ticks_stay_on_their_grid_and_missed_ones_are_not_made_up() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    schedule = Schedule.starting(timedelta(minutes=10), start)
    assert schedule.next_due == start + timedelta(minutes=10)
    assert schedule.seconds_until_due(start) == 600
    schedule.advance(start + timedelta(minutes=10, seconds=3))  # a tick that ran a bit late
    assert schedule.next_due == start + timedelta(minutes=20)
    schedule.advance(start + timedelta(minutes=55))  # the process was asleep for a while
    assert schedule.next_due == start + timedelta(minutes=60)
    assert schedule.seconds_until_due(start + timedelta(hours=2)) == 0
    schedule.advance(start + timedelta(minutes=30))  # before the due time: nothing moves
    assert schedule.next_due == start + timedelta(minutes=60)


@pytest.mark.anyio
async def test_a_tick_starts_a_scheduled_resync(tmp_path: Path) -> None:
    item = {**gated("a", items=2), "resync_on_start": False, "scheduled_resync_interval": "0.05s"}
    async with serving(write_config(tmp_path, item)) as served:
        ocean = served.service.get("a").ocean
        with anyio.fail_after(10):
            while ocean.last_run is None:
                await served.service.next_change()
        run = ocean.last_run
    assert run.trigger == "schedule" and run.status == "succeeded"


@pytest.mark.anyio
async def test_a_tick_that_finds_a_run_in_flight_is_skipped_and_recorded(
    tmp_path: Path, gate: Gate
) -> None:
    item = {**gated("a", items=2, gate="g"), "scheduled_resync_interval": "0.02s"}
    async with serving(write_config(tmp_path, item)) as served:
        instance = served.service.get("a")
        await gate.reached.wait()
        blocked = instance.ocean.current_run
        with anyio.fail_after(10):
            while _skipped(await served.service.state("a")) < 3:
                await served.service.next_change()
        assert instance.ocean.current_run is blocked  # never aborted by a tick
        state = (await served.client.get("/api/integrations/a")).json()
        stored = await served.service.catalog.get_state("a", "schedule")
        metrics = (await served.client.get("/metrics")).text
        gate.release.set()
        await instance.ocean.wait_idle()
        history = (await served.client.get("/api/integrations/a/resyncs")).json()["items"]
    assert blocked is not None
    assert state["schedule"]["skipped_ticks"] >= 3
    assert state["schedule"]["last_skipped_at"] is not None
    assert stored["skipped_ticks"] >= 3 and stored["last_skipped_because"] == blocked.id
    assert 'ocean_scheduled_ticks_skipped{integration="a"}' in metrics
    assert history[-1]["id"] == blocked.id and history[-1]["status"] == "succeeded"


def _skipped(state: IntegrationSnapshot) -> int:
    assert state.schedule is not None
    return state.schedule.skipped_ticks
