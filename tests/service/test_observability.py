"""Metrics in the Prometheus format, and logs that carry the run's identity on every line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from loguru import logger
from prometheus_client.parser import text_string_to_metric_families

from ocean_core.logs import configure_logging
from tests.service.conftest import serving
from tests.service.support import Gate, gated, write_config

pytestmark = pytest.mark.anyio


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_runs_entities_and_show_the_run_in_flight(
    tmp_path: Path, gate: Gate
) -> None:
    fake = {"id": "f", "type": "fake", "config": {"kinds": {"service": 3}}}
    config = write_config(tmp_path, fake, gated("g", items=6, gate="g"))
    async with serving(config) as served:
        await served.idle("f")
        await served.ended((await served.client.post("/api/integrations/f/resync")).json())
        await gate.reached.wait()
        response = await served.client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = _samples(response.text)
    runs = (("integration", "f"), ("status", "succeeded"))
    assert samples[("ocean_resyncs_total", (*runs, ("trigger", "start")))] == 1
    assert samples[("ocean_resyncs_total", (*runs, ("trigger", "api")))] == 1
    assert samples[("ocean_entities_total", (("integration", "f"), ("outcome", "upserted")))] == 3
    assert samples[("ocean_entities_total", (("integration", "f"), ("outcome", "unchanged")))] == 3
    assert samples[("ocean_entities_total", (("integration", "f"), ("outcome", "deleted")))] == 0
    assert samples[("ocean_resync_duration_seconds_count", runs)] == 2
    assert samples[("ocean_generation", (("integration", "f"),))] == 2
    assert samples[("ocean_run_in_flight", (("integration", "g"),))] == 1
    progress = (("count", "upserted"), ("integration", "g"), ("kind", "item"))
    assert samples[("ocean_current_run_items", progress)] == 3


async def test_every_line_of_a_run_carries_its_identity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = {"id": "f", "type": "fake",
               "config": {"kinds": {"service": 3, "team": 1}, "fail": {"team": 0}}}
    configure_logging(json=True, level="DEBUG")
    try:
        async with serving(write_config(tmp_path, failing)) as served:
            await served.idle("f")
            run = served.service.get("f").ocean.last_run
    finally:
        _restore_logging()
    assert run is not None
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    of_run = [line for line in lines if line.get("run_id") == run.id]
    assert len(of_run) >= 3
    assert all(line["integration_id"] == "f" for line in of_run)
    assert all(line["generation"] == run.generation for line in of_run)
    in_kind = [line for line in of_run if "kind" in line]
    assert [line["kind"] for line in in_kind if line["level"] == "WARNING"] == ["team"]
    assert any("resync started" in line["message"] for line in of_run)


def _restore_logging() -> None:
    """As the test session had it: the library quiet, the standard library untouched."""
    logger.remove()
    logger.disable("ocean_core")
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.WARNING)
