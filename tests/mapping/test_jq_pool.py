"""The jq worker pool (``ocean_core.mapping._pool``): an expression only jq evaluates runs in a
worker process, so one that never ends stops neither the event loop nor the run: its worker is
killed after ``mapping_timeout`` on one item (the page's items become item errors naming the
field), replaced for the next page, and killed at once when the run is cancelled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import MemoryCatalog
from ocean_core.mapping import load_mapping
from ocean_core.mapping._pool import JqPool, TimedOut, WorkerDied, jq_pool
from tests.support import Source, items, loop_gaps, mapping_for, process_ended, processes_end

pytestmark = [pytest.mark.anyio, pytest.mark.serial]  # timing bounds: run alone

BOMB = "def f: f; f"
SLOW = "last(range(3e7))"
"""About 13 s an item: past every limit these tests set, and finite, so that without the worker
(jq in the test's own process, holding the GIL even from pytest-timeout's thread) a test
fails on its assertions instead of hanging."""
FIELD = "port.entity.mappings.properties.bomb"


def _mapping(kinds: tuple[str, ...], bomb_in: str, expression: str = BOMB) -> dict[str, Any]:
    mapping = mapping_for(*kinds)
    for resource in mapping["resources"]:
        if resource["kind"] == bomb_in:
            resource["port"]["entity"]["mappings"]["properties"]["bomb"] = expression
    return mapping


async def _until(condition: Any, bound: float = 20.0) -> None:
    """Poll ``condition`` (the state of another process: no event tells) until it holds;
    fail after ``bound`` seconds."""
    with anyio.fail_after(bound):
        for _ in iter(int, 1):
            if condition():
                return
            await anyio.sleep(0.02)


async def test_a_page_that_times_out_is_item_errors_naming_the_field_and_the_next_kind_runs(
) -> None:
    catalog = MemoryCatalog()
    data = {"svc": items("s", 3), "other": items("o", 2)}
    ocean = Ocean(Source(data, batch_size=10), catalog=catalog,
                  mapping=_mapping(("svc", "other"), "svc", SLOW), integration_id="i",
                  mapping_timeout=0.5)
    before = jq_pool().started

    started = time.monotonic()
    result = await ocean.resync()
    took = time.monotonic() - started

    stats = result.kinds["svc"]
    assert result.status is ResyncStatus.FAILED
    assert (stats.errors, stats.upserted) == (3, 0), stats
    for detail in stats.error_details:
        assert f"resources[0].{FIELD}: jq evaluation timed out after 0.5 s" in detail.message
    assert result.kinds["other"].upserted == 2 and result.kinds["other"].errors == 0
    assert took < 10, took  # one limit, not one per item
    assert jq_pool().started <= before + 1

    ocean.reconfigure(mapping=_mapping(("svc", "other"), "svc", "def same: .; .value | same"))
    again = await ocean.resync()  # a new worker maps the next pages
    assert again.status is ResyncStatus.SUCCEEDED and again.kinds["svc"].upserted == 3


async def test_the_event_loop_keeps_running_while_a_worker_evaluates_forever() -> None:
    """jq holds the GIL while it evaluates: in a worker process, that stops only the worker."""
    catalog = MemoryCatalog()
    ocean = Ocean(Source({"svc": items("s", 1)}), catalog=catalog,
                  mapping=_mapping(("svc",), "svc", SLOW), integration_id="i",
                  mapping_timeout=3)
    async with loop_gaps() as gaps:
        result = await ocean.resync()

    assert result.kinds["svc"].errors == 1
    assert len(gaps) > 50 and max(gaps) < 0.5, (len(gaps), max(gaps))


async def test_cancelling_the_run_kills_the_busy_worker_at_once() -> None:
    catalog = MemoryCatalog()
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=catalog,
                  mapping=_mapping(("svc",), "svc"), integration_id="i", mapping_timeout=600)
    pool = jq_pool()
    idle = set(pool.workers())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(ocean.resync)
        await _until(lambda: set(pool.workers()) - idle or pool.busy())
        [busy] = pool.busy()
        started = time.monotonic()
        tasks.cancel_scope.cancel()
    cancelled_in = time.monotonic() - started

    await _until(lambda: process_ended(busy), bound=5)
    assert cancelled_in < 2, cancelled_in
    assert busy not in pool.workers()


async def test_a_worker_killed_from_outside_is_item_errors_and_replaced() -> None:
    resource = load_mapping(_mapping(("svc",), "svc")).resources[0]
    pool = JqPool(size=1)
    try:
        async with anyio.create_task_group() as tasks:
            answers: list[Any] = []

            async def call() -> None:
                answers.append(await pool.map_page(resource, [b'{"id": "a"}'],
                                                   item_seconds=600))

            tasks.start_soon(call)
            await _until(lambda: bool(pool.busy()))
            os.kill(pool.busy()[0], signal.SIGKILL)
        [answer] = answers
        assert isinstance(answer, WorkerDied) and answer.exitcode == -signal.SIGKILL
        fine = load_mapping(mapping_for("svc")).resources[0]
        again = await pool.map_page(fine, [b'{"id": "a", "name": "A", "value": 1}'],
                                    item_seconds=30)
        assert isinstance(again, list) and isinstance(again[0], bytes)
        assert pool.started == 2
    finally:
        pool.close()


async def test_the_limit_is_per_item_a_slow_page_of_quick_items_finishes() -> None:
    """Each item restarts the clock: a page may take longer in all than the limit."""
    slow = "[limit(20000; repeat(1))] | length"  # some 35 ms per item
    resource = load_mapping(_mapping(("svc",), "svc", slow)).resources[0]
    pool = JqPool(size=1)
    try:
        item = b'{"id": "a", "name": "A", "value": 1}'
        started = time.monotonic()
        answer = await pool.map_page(resource, [item] * 40, item_seconds=0.3)
        took = time.monotonic() - started
        assert isinstance(answer, list), (answer, took)
        assert len(answer) == 40 and took > 0.6, took  # longer than the limit, in all
        timed = await pool.map_page(load_mapping(_mapping(("svc",), "svc")).resources[0],
                                    [item], item_seconds=0.3)
        assert timed == TimedOut(0.3)
    finally:
        pool.close()


def test_a_script_without_a_main_guard_runs_once(tmp_path: Path) -> None:
    """A worker is a fresh ``python -m ocean_core.mapping._worker``: it never imports the
    parent's main script (multiprocessing's spawn does, so a script without a
    ``__name__ == "__main__"`` guard ran its resync again in every worker)."""
    script = tmp_path / "script.py"
    script.write_text(
        "import anyio\n"
        "from ocean_core import Ocean\n"
        "from ocean_core.catalog import MemoryCatalog\n"
        "from tests.support import Source, items, mapping_for\n"
        "mapping = mapping_for('svc')\n"
        "mapping['resources'][0]['port']['entity']['mappings']['properties']['v'] = (\n"
        "    'def same: .; .value | same')\n"
        "print('script ran', flush=True)\n"
        "ocean = Ocean(Source({'svc': items('s', 3)}), catalog=MemoryCatalog(),\n"
        "              mapping=mapping, integration_id='i')\n"
        "print(anyio.run(ocean.resync).kinds['svc'].upserted, flush=True)\n",
        encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(root)}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["script ran", "3"], done.stdout


async def test_deleted_batches_are_keyed_in_a_worker_and_a_stuck_key_is_an_item_error() -> None:
    """A ``Deleted`` batch's keys come from the user's identifier and blueprint expressions:
    when they need jq, a worker evaluates them, under the same limit."""
    from tests.incremental.support import Desk, item

    catalog = MemoryCatalog()
    source = Desk({"ticket": [item(f"t{n}", n) for n in range(4)]})
    mapping = mapping_for("ticket")
    fields = mapping["resources"][0]["port"]["entity"]["mappings"]
    fields["identifier"] = "def key: .id; key"  # the fast path does not take it
    ocean = Ocean(source, catalog=catalog, mapping=mapping, integration_id="i",
                  mapping_timeout=0.5)
    assert (await ocean.resync()).kinds["ticket"].upserted == 4
    source.gone["ticket"].append({"id": "t0"})
    source.data["ticket"].pop(0)

    run = await ocean.resync(incremental=True)

    assert run.kinds["ticket"].deleted == 1 and run.kinds["ticket"].errors == 0, run
    assert {e.identifier for e in await catalog.list_entities("i")} == {"t1", "t2", "t3"}

    fields["identifier"] = f"if .bomb then {SLOW} else .id end"
    ocean.reconfigure(mapping=mapping)
    source.gone["ticket"].append({"id": "t1", "bomb": True})
    stuck = await ocean.resync(incremental=True)

    stats = stuck.kinds["ticket"]
    assert stats.deleted == 0 and stats.errors >= 1, stats
    assert any("identifier: jq evaluation timed out after 0.5 s" in d.message
               for d in stats.error_details), stats.error_details


@pytest.mark.parametrize("dry", [False, True], ids=["run", "dry-run"])
async def test_what_a_jq_selector_now_drops_is_found_in_a_worker(dry: bool) -> None:
    """An incremental run removes a changed item its selector now drops; with a selector only
    jq evaluates, a worker finds those keys (a bomb there would otherwise stop the process)."""
    from tests.incremental.support import Desk, item

    catalog = MemoryCatalog()
    source = Desk({"ticket": [item("t1", 10, value=1), item("t2", 20, value=1)]})
    mapping = mapping_for("ticket", selector="def open: .value > 0; open")
    ocean = Ocean(source, catalog=catalog, mapping=mapping, integration_id="i")
    assert ocean.plan.steps[0].resource is not None
    assert ocean.plan.steps[0].resource.jq_fields == ("selector.query",)
    await ocean.resync()
    source.data["ticket"][0] = item("t1", 30, value=0)  # no longer selected

    if dry:
        report = await ocean.dry_run(incremental=True)
        assert (report.kinds["ticket"].removed, report.would_delete) == (1, 1)
        return
    run = await ocean.resync(incremental=True)

    assert run.kinds["ticket"].deleted == 1 and run.errors == 0, run
    assert {e.identifier for e in await catalog.list_entities("i")} == {"t2"}


@pytest.mark.parametrize("when", ["evaluating", "busy"],
                         ids=["while-it-evaluates", "while-it-starts"])
def test_a_worker_ends_when_its_parent_is_killed_with_sigkill(tmp_path: Path, when: str) -> None:
    """No cleanup runs on SIGKILL: the kernel ends the worker (``PR_SET_PDEATHSIG``), which
    would otherwise evaluate ``def f: f; f`` forever, orphaned; and a worker whose parent
    died while it started (before it could ask for that signal) ends at once."""
    script = tmp_path / "bomb.py"
    script.write_text(
        "import anyio\n"
        "from ocean_core import Ocean\n"
        "from ocean_core.catalog import MemoryCatalog\n"
        "from ocean_core.mapping._pool import jq_pool\n"
        "from tests.support import Source, items, mapping_for\n"
        "mapping = mapping_for('svc')\n"
        "mapping['resources'][0]['port']['entity']['mappings']['properties']['b'] = (\n"
        "    'def f: f; f')\n"
        "async def main():\n"
        "    ocean = Ocean(Source({'svc': items('s', 1)}), catalog=MemoryCatalog(),\n"
        "                  mapping=mapping, integration_id='i', mapping_timeout=600)\n"
        "    async with anyio.create_task_group() as tasks:\n"
        "        tasks.start_soon(ocean.resync)\n"
        f"        while not jq_pool().{when}():\n"
        "            await anyio.sleep(0.01)\n"
        f"        print(jq_pool().{when}()[0], flush=True)\n"
        "anyio.run(main)\n",
        encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(root)})
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert not process_ended(worker)
        parent.kill()
        parent.wait(10)
        assert processes_end([worker], 5), "the worker outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        if parent.stdout is not None:
            parent.stdout.close()
