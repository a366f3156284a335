"""Triggers through the API: resync on start, POST .../resync, and a trigger that aborts the
run in flight."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest

from ocean_core.api import create_app
from ocean_core.catalog import SQLiteCatalog
from tests.service.conftest import serving
from tests.service.support import TOKEN, Gate, gated, write_config

pytestmark = pytest.mark.anyio


async def test_each_integration_resyncs_on_start_unless_told_not_to(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, gated("on", items=4), {**gated("off", items=4), "resync_on_start": False}
    )
    async with serving(config) as served:
        await served.idle("on")
        assert await served.service.get("off").ocean.wait_idle() is None
        history = (await served.client.get("/api/integrations/on/resyncs")).json()["items"]
        assert [(r["trigger"], r["status"]) for r in history] == [("start", "succeeded")]
        assert (await served.client.get("/api/integrations/off/resyncs")).json()["items"] == []
        entities = (await served.client.get("/api/entities")).json()["items"]
        assert {e["integration_id"] for e in entities} == {"on"}


async def test_post_resync_answers_202_with_the_run_id_and_generation(tmp_path: Path) -> None:
    config = write_config(tmp_path, {**gated("a", items=4), "resync_on_start": False})
    async with serving(config) as served:
        response = await served.client.post("/api/integrations/a/resync")
        assert response.status_code == 202
        handle = response.json()
        assert handle["generation"] == 1 and handle["status"] == "pending"
        assert response.headers["location"] == handle["url"]
        ended = await served.ended(handle)
        history = (await served.client.get("/api/integrations/a/resyncs")).json()["items"]
    assert ended["status"] == "succeeded" and ended["run"]["id"] == handle["run_id"]
    assert [(r["id"], r["generation"], r["trigger"]) for r in history] == [
        (handle["run_id"], 1, "api")
    ]


async def test_the_body_names_who_triggered(tmp_path: Path) -> None:
    config = write_config(tmp_path, {**gated("a", items=2), "resync_on_start": False})
    async with serving(config) as served:
        response = await served.client.post("/api/integrations/a/resync", json={"trigger": "sdk"})
        ended = await served.ended(response.json())
        refused = await served.client.post("/api/integrations/a/resync", json={"trigger": "kb!"})
    assert ended["run"]["trigger"] == "sdk"
    assert refused.status_code == 422 and refused.json()["error"] == "invalid"


async def test_a_trigger_during_a_blocked_run_aborts_it(tmp_path: Path, gate: Gate) -> None:
    config = write_config(tmp_path, gated("a", items=6, gate="g"))
    async with serving(config) as served:
        await gate.reached.wait()  # the start run is stuck in its fetcher, half written
        state = (await served.client.get("/api/integrations/a")).json()
        assert state["status"] == "running"
        assert state["current_run"]["kinds"]["item"]["upserted"] == 3  # live counts
        first = state["current_run"]["id"]
        handle = (await served.client.post("/api/integrations/a/resync")).json()
        ended = await served.ended(handle)
        aborted = (await served.client.get(f"/api/integrations/a/resyncs/{first}")).json()
    assert aborted["status"] == "aborted"
    assert aborted["run"]["deleted"] == 0
    assert "aborted" in aborted["run"]["delete_skipped_reason"]
    assert ended["status"] == "succeeded" and ended["generation"] == 2
    assert ended["run"]["started_at"] >= aborted["run"]["ended_at"]


async def test_a_burst_of_triggers_runs_the_newest_and_hands_superseded_runs_on(
    tmp_path: Path, gate: Gate
) -> None:
    config = write_config(tmp_path, gated("a", items=4, gate="g"))
    async with serving(config) as served:
        await gate.reached.wait()
        handles = [
            (await served.client.post("/api/integrations/a/resync")).json() for _ in range(5)
        ]
        newest = await served.ended(handles[-1])
        first = (
            await served.client.get(f"/api/integrations/a/resyncs/{handles[0]['run_id']}")
        ).json()
        followed = await served.ended(handles[0])
        history = (await served.client.get("/api/integrations/a/resyncs")).json()["items"]
    assert [h["generation"] for h in handles] == [2, 3, 4, 5, 6]
    assert first["status"] == "superseded" and first["superseded_by"] == handles[-1]["run_id"]
    assert followed["run_id"] == handles[-1]["run_id"]
    assert newest["status"] == "succeeded" and newest["generation"] == 6
    assert [r["generation"] for r in history] == [6, 1]  # no queue of stale runs


async def test_unknown_integrations_and_runs_are_404(tmp_path: Path) -> None:
    config = write_config(tmp_path, gated("a", items=2))
    async with serving(config) as served:
        missing = await served.client.post("/api/integrations/zz/resync")
        run = await served.client.get("/api/integrations/a/resyncs/nope")
    assert missing.status_code == 404
    assert missing.json() == {
        "detail": "no integration 'zz' (configured: a)", "error": "not_found",
        "what": "integration", "key": "zz", "known": ["a"],
    }
    assert run.status_code == 404 and run.json()["what"] == "run"


async def test_shutdown_aborts_the_run_in_flight_and_deletes_nothing(
    tmp_path: Path, gate: Gate
) -> None:
    config = write_config(tmp_path, gated("a", items=4))
    async with serving(config) as served:
        await served.idle("a")
    config = write_config(tmp_path, gated("a", items=2, gate="g", prefix="other"))
    async with serving(config) as served:
        await gate.reached.wait()
        run_id = served.service.get("a").ocean.current_run.id  # type: ignore[union-attr]
    catalog = SQLiteCatalog(tmp_path / "catalog.db")
    try:
        record = await catalog.get_run(run_id)
        kept = await catalog.list_entities("a")
    finally:
        await catalog.close()
    assert record is not None and record.status == "aborted" and record.deleted == 0
    assert [e.identifier for e in kept] == ["item-0", "item-1", "item-2", "item-3", "other-0"]


async def test_shutdown_answers_the_clients_waiting_on_a_run(tmp_path: Path, gate: Gate) -> None:
    app = create_app(write_config(tmp_path, gated("a", items=4, gate="g")))
    answers = []
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with anyio.fail_after(10):  # not the 60 s the client asked to wait
        async with httpx.AsyncClient(transport=transport, base_url="http://ocean",
                                     headers=headers) as client:
            async with anyio.create_task_group() as tasks, app.router.lifespan_context(app):
                await gate.reached.wait()
                run = app.state.ocean_service.get("a").ocean.current_run

                async def follow() -> None:
                    path = f"/api/integrations/a/resyncs/{run.id}"
                    answers.append(await client.get(path, params={"wait": 60}))

                tasks.start_soon(follow)
                await anyio.wait_all_tasks_blocked()  # the client waits, the run is stuck
            health = await client.get("/health")
            refused = await client.post("/api/integrations/a/resync")
    (answer,) = answers
    assert answer.status_code == 200 and answer.json()["status"] == "aborted"
    assert answer.json()["run"]["deleted"] == 0
    assert health.status_code == 503 and health.json()["status"] == "stopping"
    assert refused.status_code == 503 and refused.json()["error"] == "unavailable"
