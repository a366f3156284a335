"""``ocean sail`` as a real process on 127.0.0.1: the API end to end, JSON logs, graceful
shutdown in the middle of a run, a trigger that aborts a blocked run, and startup errors.

Synchronisation is event-driven: the tests wait for specific JSON log lines of the process
(read by a background thread) or on the API's long poll, never for a fixed time.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from ocean_core.catalog import SQLiteCatalog
from ocean_core.results import ResyncResult
from tests.cli._helpers import ocean_script
from tests.service.process import (
    Line,
    SailProcess,
    child_env,
    extra,
    free_port,
    log_message,
    message,
)
from tests.service.support import write_config

Start = Callable[..., SailProcess]


def fake(integration_id: str = "demo", **config: Any) -> dict[str, Any]:
    return {"id": integration_id, "type": "fake", "config": config}


def started_run(process: SailProcess, integration_id: str, *not_these: str) -> str:
    """The run id of the next "resync started" line of ``integration_id`` (skipping runs)."""

    def matches(line: Line) -> bool:
        return (log_message("resync started", integration_id=integration_id)(line)
                and extra(line)["run_id"] not in not_these)

    return str(extra(process.wait_for(matches))["run_id"])


def handle_of(integration_id: str, run_id: str) -> dict[str, Any]:
    return {"integration_id": integration_id, "run_id": run_id}


def stored(db: Path) -> tuple[list[ResyncResult], set[str]]:
    """The runs (newest first) and entity identifiers of ``demo`` in the catalog file."""

    async def read() -> tuple[list[ResyncResult], set[str]]:
        catalog = SQLiteCatalog(db)
        try:
            runs = await catalog.runs("demo", limit=10)
            entities = await catalog.list_entities("demo", limit=1000)
            return runs, {e.identifier for e in entities}
        finally:
            await catalog.close()

    return anyio.run(read)


# -- 1. the API end to end -------------------------------------------------------------------


def test_end_to_end_start_run_then_patch_resync(tmp_path: Path, sail: Start) -> None:
    config = write_config(tmp_path, fake(kinds={"service": 5, "team": 2}))
    process = sail(config)

    start_run = started_run(process, "demo")
    start = process.ended(handle_of("demo", start_run))
    assert start["status"] == "succeeded", start
    assert start["run"]["trigger"] == "start"

    with httpx.Client(base_url=process.url) as anonymous:
        health = anonymous.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "integrations": 1}
        assert anonymous.get("/api/integrations").status_code == 401
        assert anonymous.patch("/api/integrations/demo", json={}).status_code == 401

    response = process.client.patch("/api/integrations/demo", json={})
    assert response.status_code == 202, response.text
    handle = response.json()
    assert set(handle) == {
        "run_id", "integration_id", "generation", "status", "superseded_by", "url", "run",
    }
    assert handle["integration_id"] == "demo"
    assert handle["generation"] == start["generation"] + 1
    assert handle["status"] in ("pending", "running")
    assert handle["url"] == f"/api/integrations/demo/resyncs/{handle['run_id']}"
    assert response.headers["location"] == handle["url"]

    followed = process.client.get(handle["url"], params={"wait": 30})
    assert followed.status_code == 200
    ended = followed.json()
    assert ended["status"] == "succeeded", ended
    assert ended["run_id"] == handle["run_id"]
    assert ended["run"]["kinds"]["service"]["upserted"] == 0  # unchanged since the start run
    assert ended["run"]["kinds"]["service"]["unchanged"] == 5

    history = process.client.get("/api/integrations/demo/resyncs").json()
    assert [(r["id"], r["trigger"], r["status"]) for r in history["items"]] == [
        (handle["run_id"], "api", "succeeded"), (start_run, "start", "succeeded"),
    ]
    assert history["next_cursor"] is None

    states = process.client.get("/api/integrations").json()
    assert [(s["id"], s["status"], s["last_run"]["id"]) for s in states] == [
        ("demo", "idle", handle["run_id"]),
    ]


# -- 2. JSON logs ----------------------------------------------------------------------------


def test_json_log_lines_of_a_run_carry_its_identity_and_kind(tmp_path: Path, sail: Start) -> None:
    config = write_config(tmp_path, {
        **fake(kinds={"service": 5, "team": 2}, fail={"team": 0}), "resync_on_start": False,
    })
    process = sail(config)

    response = process.client.post("/api/integrations/demo/resync")
    assert response.status_code == 202
    handle = response.json()
    run_id, generation = handle["run_id"], handle["generation"]
    assert process.ended(handle)["status"] == "failed"
    # Lines come in order: once the run's last line is read, every line of it has been.
    process.wait_for(log_message("resync failed", run_id=run_id))

    lines = [line for line in process.lines if extra(line).get("run_id") == run_id]
    outside = [message(line) for line in lines if "kind" not in extra(line)]
    assert outside[0] == "resync started (api)" and len(outside) == 2, outside
    assert outside[1].startswith("resync failed: 1 kind(s) had errors: team"), outside
    for line in lines:
        assert extra(line)["integration_id"] == "demo", line
        assert extra(line)["generation"] == generation, line
    in_kind = [line for line in lines if line["logger"] == "ocean_core.engine._fetch"]
    assert in_kind, "no line was logged from within a kind"
    assert [(extra(line)["kind"], line["level"]) for line in in_kind] == [
        ("team", "WARNING"),
    ]
    assert "kind team fetch failed" in message(in_kind[0])
    # A kind is only ever named within a run; the server's own lines carry no run fields.
    assert all("run_id" in extra(line) for line in process.lines if "kind" in extra(line))
    running_on = process.wait_for(log_message("Uvicorn running on"))
    assert extra(running_on) == {}


# -- 3. graceful shutdown during a run -------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_shutdown_signal_aborts_the_run_in_flight_and_deletes_nothing(
    tmp_path: Path, sail: Start, sig: signal.Signals
) -> None:
    kinds = {"service": 6, "team": 3}
    config = write_config(tmp_path, fake(kinds=kinds, latency=0))
    first = sail(config)
    first_run = started_run(first, "demo")
    assert first.ended(handle_of("demo", first_run))["status"] == "succeeded"
    first.send(sig)
    assert first.wait_exit(timeout=5) == 0

    # The same catalog, now with a source stuck in network I/O for a minute per batch.
    write_config(tmp_path, fake(kinds=kinds, latency=60))
    second = sail(config)
    blocked = started_run(second, "demo", first_run)
    before = time.monotonic()
    second.send(sig)
    try:
        code = second.wait_exit(timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ocean sail did not exit within 5s of {sig.name}:\n{second.tail()}")
    assert code == 0, second.tail()
    assert time.monotonic() - before < 5
    lines = second.drain()
    assert any(log_message("resync aborted", run_id=blocked)(line) for line in lines)
    assert not [line for line in lines if line["level"] == "ERROR"]

    runs, identifiers = stored(tmp_path / "catalog.db")
    assert [(r.id, r.status.value, r.deleted) for r in runs] == [
        (blocked, "aborted", 0), (first_run, "succeeded", 0),
    ]
    assert runs[0].ended_at is not None
    assert runs[0].delete_skipped_reason == "aborted: a newer trigger or shutdown"
    assert identifiers == {f"{k}-{i}" for k, n in kinds.items() for i in range(n)}


# -- 4. a trigger aborts a blocked run -------------------------------------------------------


def test_a_trigger_aborts_the_blocked_run_and_starts_at_once(tmp_path: Path, sail: Start) -> None:
    config = write_config(tmp_path, fake(kinds={"service": 4}, latency=60))
    process = sail(config)
    first = started_run(process, "demo")

    response = process.client.post("/api/integrations/demo/resync")
    assert response.status_code == 202
    second = response.json()
    assert second["status"] in ("pending", "running")
    assert second["generation"] == 2

    aborted = process.ended(handle_of("demo", first))
    assert (aborted["status"], aborted["run"]["deleted"]) == ("aborted", 0), aborted
    # The new run starts at once, and is the one running now (blocked in its first batch).
    assert started_run(process, "demo", first) == second["run_id"]
    now = process.client.get(second["url"]).json()
    assert now["status"] == "running", now

    # PATCH applies the new config, then triggers: the blocked run is aborted in turn.
    patched = process.client.patch(
        "/api/integrations/demo", json={"config": {"kinds": {"service": 4}, "latency": 0}}
    )
    assert patched.status_code == 202, patched.text
    third = patched.json()
    assert process.ended(second)["status"] == "aborted"
    done = process.ended(third)
    assert done["status"] == "succeeded", done
    assert done["run"]["kinds"]["service"]["upserted"] == 4

    history = process.client.get("/api/integrations/demo/resyncs").json()["items"]
    assert [(r["id"], r["trigger"], r["status"], r["deleted"]) for r in history] == [
        (third["run_id"], "config", "succeeded", 0),
        (second["run_id"], "api", "aborted", 0),
        (first, "start", "aborted", 0),
    ]
    for run in history[1:]:
        assert run["delete_skipped_reason"] == "aborted: a newer trigger or shutdown"
    entities = process.client.get("/api/entities", params={"integration": "demo"}).json()
    assert sorted(e["identifier"] for e in entities["items"]) == [f"service-{i}" for i in range(4)]


# -- 5. startup errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("top", "item", "field"),
    [
        ({"api": {}}, fake(), "api.token"),
        ({}, {"id": "demo", "type": "no-such-type"}, "integrations[0].type"),
    ],
    ids=["no-token", "unknown-type"],
)
def test_startup_error_exits_2_with_one_line(
    tmp_path: Path, top: dict[str, Any], item: dict[str, Any], field: str
) -> None:
    config = write_config(tmp_path, item, **top)

    proc = subprocess.run(
        [str(ocean_script()), "sail", "--config", str(config), "--port", "0", "--log-json"],
        cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=30, check=False,
    )

    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    assert field in lines[0] and str(config) in lines[0], lines
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "catalog.db").exists()


def test_unknown_log_level_is_a_usage_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, fake())

    proc = subprocess.run(
        [str(ocean_script()), "sail", "--config", str(config), "--port", "0",
         "--log-level", "LOUD"],
        cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=30, check=False,
    )

    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2, proc.stderr
    assert "LOUD" in proc.stderr


@pytest.mark.serial  # a timing bound: run alone, after the rest (make test)
def test_shutdown_answers_a_client_waiting_on_the_run_at_once(tmp_path: Path, sail: Start) -> None:
    """The runs are aborted before the server drains, so a long poll on a run in flight gets
    its ``aborted`` end instead of being cut off after the grace period."""
    config = write_config(tmp_path, fake(kinds={"service": 2}, latency=60))
    process = sail(config, "--log-level", "debug")
    blocked = started_run(process, "demo")
    answers: list[httpx.Response] = []

    def follow() -> None:
        path = f"/api/integrations/demo/resyncs/{blocked}"
        answers.append(process.client.get(path, params={"wait": 60}))

    waiting = threading.Thread(target=follow)
    waiting.start()
    process.wait_for(log_message(f"a client waits up to 60.0s for run {blocked} to end"))
    before = time.monotonic()
    process.send(signal.SIGTERM)
    waiting.join(timeout=10)
    code = process.wait_exit(timeout=5)
    elapsed = time.monotonic() - before
    (answer,) = answers
    assert answer.status_code == 200 and answer.json()["status"] == "aborted"
    assert code == 0 and elapsed < 2, (elapsed, process.tail())
    lines = process.drain()
    assert not [line for line in lines if line["level"] == "ERROR"]


def _second_sail(config: Path, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ocean_script()), "sail", "--config", str(config), "--port", str(port)],
        cwd=config.parent, env=child_env(), capture_output=True, text=True, timeout=30,
        check=False,
    )


def test_a_second_runner_of_the_same_integrations_exits_1_naming_the_lock(
    tmp_path: Path, sail: Start
) -> None:
    config = write_config(tmp_path, fake(kinds={"service": 2}))
    first = sail(config)
    second = _second_sail(config, free_port())
    assert second.returncode == 1, second.stderr
    errors = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "integration 'demo' is already being run by another runner" in errors[0]
    assert "catalog.db-locks" in errors[0]
    assert "Traceback" not in second.stderr
    assert first.client.get("/health").json()["status"] == "ok"  # the first one is unharmed


def test_a_port_in_use_exits_1_naming_it(tmp_path: Path, sail: Start) -> None:
    first = sail(write_config(tmp_path, fake(kinds={"service": 2})))
    other = tmp_path / "other"
    other.mkdir()
    second = _second_sail(write_config(other, fake(kinds={"service": 2})), first.port)
    assert second.returncode == 1, second.stderr
    assert f"error: the HTTP server could not listen on 127.0.0.1:{first.port}" in second.stderr
    assert "Traceback" not in second.stderr
