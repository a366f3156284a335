"""A jq bomb in a real ``ocean sail``: a mapping property ``def f: f; f`` (jq never ends, and
the jq library holds the GIL while it evaluates) must stop neither ``/health``, nor another
integration's resync, nor a trigger's abort, nor SIGTERM; ``repeat(1)`` and ``range(1e9)``
(which aborted the process when every output was collected) give their first output, and an
endless stream past ``mapping_timeout`` is an item error, the process unharmed.

Before the fix, jq ran in a thread of the service's process: ``/health`` stopped answering
from the bomb's first item on, and SIGTERM was never handled."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability._support import record
from tests.service.process import Line, SailProcess, extra, log_message
from tests.service.support import write_config
from tests.support import processes_end

pytestmark = pytest.mark.serial  # timing bounds: run alone, after the rest (make test)

Start = Callable[..., SailProcess]
HEALTH_PROBES = 60


def _fake(integration_id: str, kinds: dict[str, int], **properties: str) -> dict[str, Any]:
    """A fake integration whose kinds' mappings add ``properties`` (jq) to their entities."""
    resources = []
    for kind in kinds:
        mapped: dict[str, Any] = {"index": ".index"}
        mapped.update({k: v for k, v in properties.items() if k.startswith(f"{kind}.")})
        resources.append({
            "kind": kind, "selector": {"query": "true"},
            "port": {"entity": {"mappings": {
                "identifier": ".id", "title": ".name", "blueprint": f'"{kind}"',
                "properties": {k.removeprefix(f"{kind}."): v for k, v in mapped.items()},
            }}},
        })
    return {"id": integration_id, "type": "fake", "config": {"kinds": kinds, "latency": 0},
            "mapping": {"resources": resources}}


def _started(process: SailProcess, integration_id: str, *not_these: str) -> str:
    def matches(line: Line) -> bool:
        return (log_message("resync started", integration_id=integration_id)(line)
                and extra(line)["run_id"] not in not_these)

    return str(extra(process.wait_for(matches, timeout=30))["run_id"])


def _handle(integration_id: str, run_id: str) -> dict[str, Any]:
    return {"integration_id": integration_id, "run_id": run_id}


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


def _health_latencies(url: str, count: int) -> list[float]:
    took = []
    with httpx.Client(base_url=url, timeout=10.0) as client:
        for _ in range(count):
            start = time.monotonic()
            response = client.get("/health")
            took.append(time.monotonic() - start)
            assert response.status_code == 200, response.text
    return took


def test_a_jq_bomb_stops_neither_health_nor_other_runs_nor_a_trigger_nor_sigterm(
    tmp_path: Path, sail: Start
) -> None:
    config = write_config(
        tmp_path,
        _fake("bomb", {"service": 3}, **{"service.bomb": "def f: f; f"}),
        _fake("calm", {"service": 20, "team": 5}),
        mapping_timeout=600,
    )
    process = sail(config)
    bomb = _started(process, "bomb")
    calm = _started(process, "calm")

    # The other integration's resync completes while the bomb evaluates.
    done = process.ended(_handle("calm", calm), timeout=30)
    assert done["status"] == "succeeded", done
    assert done["run"]["kinds"]["service"]["upserted"] == 20

    # /health answers, promptly, all along.
    latencies = _health_latencies(process.url, HEALTH_PROBES)
    p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]
    still = process.client.get(f"/api/integrations/bomb/resyncs/{bomb}").json()
    assert still["status"] == "running", still  # the bomb was evaluating all along
    assert p99 < 1.0, latencies
    workers = _children(process.proc.pid)
    assert workers, "no jq worker process"

    # A trigger aborts the run that evaluates forever, and the next run starts.
    before = time.monotonic()
    response = process.client.post("/api/integrations/bomb/resync")
    assert response.status_code == 202, response.text
    aborted = process.ended(_handle("bomb", bomb), timeout=10)
    abort_seconds = time.monotonic() - before
    assert aborted["status"] == "aborted", aborted
    assert aborted["run"]["deleted"] == 0
    _started(process, "bomb", bomb)

    # SIGTERM stops the process within a few seconds, its workers with it.
    before = time.monotonic()
    process.send(signal.SIGTERM)
    try:
        code = process.wait_exit(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ocean sail did not exit within 10 s of SIGTERM:\n{process.tail()}")
    exit_seconds = time.monotonic() - before
    assert code == 0, process.tail()
    assert exit_seconds < 5, exit_seconds
    assert processes_end(workers, bound=5), {pid: _command(pid) for pid in workers}

    record("jq_bomb", p99_health_s=round(p99, 4), max_health_s=round(max(latencies), 4),
           trigger_to_aborted_s=round(abort_seconds, 3), sigterm_to_exit_s=round(exit_seconds, 3))
    print(f"jq bomb: /health p99 {p99:.4f} s, max {max(latencies):.4f} s, trigger to aborted"
          f" {abort_seconds:.3f} s, SIGTERM to exit {exit_seconds:.3f} s")


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return "(gone)"


def test_endless_output_streams_give_their_first_output_or_an_item_error(
    tmp_path: Path, sail: Start
) -> None:
    config = write_config(
        tmp_path,
        _fake("streams", {"service": 3, "team": 2},
              **{"service.first": "repeat(1)", "service.zero": "range(1e9)",
                 "team.forever": "last(range(1e12))"}),
        mapping_timeout=2,
    )
    process = sail(config)
    run = _started(process, "streams")

    done = process.ended(_handle("streams", run), timeout=60)

    assert done["status"] == "failed", done
    service, team = done["run"]["kinds"]["service"], done["run"]["kinds"]["team"]
    assert (service["upserted"], service["errors"]) == (3, 0), service
    assert (team["upserted"], team["errors"]) == (0, 2), team
    [detail, *_] = team["error_details"]
    assert ("resources[1].port.entity.mappings.properties.forever: jq evaluation timed out"
            " after 2 s") in detail["message"], detail
    entities = process.client.get("/api/entities", params={"integration": "streams"}).json()
    props = {e["identifier"]: e["properties"] for e in entities["items"]}
    assert props["service-0"]["first"] == 1 and props["service-0"]["zero"] == 0, props
    assert process.client.get("/health").status_code == 200  # the process survived
    process.send(signal.SIGTERM)
    assert process.wait_exit(timeout=10) == 0
