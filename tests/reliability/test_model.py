"""Model-based test of the runtime: random sequences of source changes, triggers (full and
incremental), fetch and write failures, blocked fetchers, schedule ticks (full and
incremental) and restarts against one ``Ocean``, checked after every step:

- an entity leaves the catalog only in a delete step, and only one taken by a clean full run
  (every kind without error, recorded ``succeeded``) of the current generation (no newer
  trigger made or pending) that did not fetch it, or as a ``Deleted`` key (rule 9) of an item
  the source has removed (reported by its tombstone);
- at most one run per integration is in flight (recorded ``running``) at any time;
- the catalog never holds an entity the source never had;
- rule 8: live changes (``Ocean.apply`` or a webhook, each reporting a change of the source as
  it happens, also while a run is blocked mid-way) win over every run that began before them:
  until a run begins after a key's latest live change, the catalog holds what that change
  said (its item, or nothing); an entity leaves the catalog outside a delete step only by a
  live delete;
- after a final clean incremental run the catalog holds the mapped source exactly (every
  change is found from the committed cursors), and nothing the source still has a tombstone
  of (tombstones also expire, leaving removals to full runs' sweeps); after a final clean full
  run the catalog equals the mapped source exactly.

The source's items carry ``updated``, a clock of the source that every change moves on; its
fetchers honour ``since`` and report removed items as ``Deleted``.

The runtime lives in an event loop of its own (an anyio blocking portal); each rule calls into
it. The coalescing window of triggers is set to zero so a step costs a millisecond or so
(coalescing has its own tests, see docs/resync-rules.md, rule 2). 500 sequences in CI on the
memory catalog and asyncio; ``make soak``: 5,000 on memory (asyncio, trio) and on SQLite in
memory, 500 on an SQLite file (asyncio, trio)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import orjson
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

import ocean_core._coalesce
from ocean_core import (
    Deleted,
    KindSpec,
    LiveChange,
    Ocean,
    ResyncStatus,
    Trigger,
    WebhookRequest,
    webhook,
)
from ocean_core.catalog import (
    Catalog,
    DeleteOutcome,
    LiveOutcome,
    MemoryCatalog,
    RunStart,
    SQLiteCatalog,
)
from ocean_core.errors import CatalogError
from ocean_core.integration import Batch
from ocean_core.results import ResyncResult
from tests.reliability._support import SOAK, expected, record, scaled, snapshot
from tests.support import Boom, Source, mapping_for

KINDS = ("a", "b")
EXAMPLES = scaled(500, 5000)
STEPS = scaled(8, 30)
T = TypeVar("T")
Key = tuple[str, str]
LIVE = {"kind": st.sampled_from(KINDS), "what": st.sampled_from(("add", "change", "remove")),
        "index": st.integers(0, 9), "value": st.integers(0, 3), "tombstone": st.booleans(),
        "by_webhook": st.booleans()}
"""A live change's arguments: which kind, what happens to which item, and how it comes."""


class ModelSource(Source):
    """``Source`` with failures that last until cleared, holds that a test releases, and a
    record of what each generation's run fetched. Each kind has a cursor (``updated``, the
    source's clock at the item's last change); a removed item leaves a tombstone."""

    def __init__(self) -> None:
        super().__init__({k: [] for k in KINDS}, batch_size=2, may_be_empty=set(KINDS))
        self.hold: dict[str, int] = {}
        self.release = anyio.Event()
        self.seen: dict[int, set[Key]] = {}
        self.generation: Callable[[], int] = lambda: 0
        self.clock = 0
        self.tombstones: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        self.ever_tombstoned: dict[str, set[str]] = {k: set() for k in KINDS}
        """Every id a tombstone ever named, expired or not (for the checks)."""

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def kinds(self) -> list[KindSpec]:
        return [KindSpec(k, k, True, ("since",), cursor=".updated") for k in self.data]

    def fetcher(self, kind_name: str) -> Callable[..., AsyncIterator[Batch]]:
        return lambda since=None: self._fetch(kind_name, since)

    def removed(self, kind: str) -> set[str]:
        """The ids of the tombstones the source still has."""
        return {item["id"] for item in self.tombstones[kind]}

    async def _fetch(self, kind: str, since: int | None = None) -> AsyncIterator[Batch]:
        found = [dict(item) for item in self.data[kind]
                 if since is None or item["updated"] >= since]
        gone = [dict(item) for item in self.tombstones[kind]
                if since is None or item["updated"] >= since]
        generation = self.generation()
        for number, start in enumerate(range(0, len(found), self.batch_size)):
            if self.fail.get(kind) == number:
                raise Boom(f"injected failure in {kind} at batch {number}")
            if self.hold.get(kind) == number:
                del self.hold[kind]
                self.release = anyio.Event()
                self.blocked.set()
                try:
                    await self.release.wait()
                finally:
                    self.blocked = anyio.Event()
            batch = found[start : start + self.batch_size]
            self.seen.setdefault(generation, set()).update((kind, i["id"]) for i in batch)
            yield batch
        if gone:
            yield Deleted(gone)

    @webhook("change")
    async def on_change(self, request: WebhookRequest) -> list[LiveChange]:
        event = request.json()
        return [LiveChange(event["kind"], upserted=event["upserted"], deleted=event["deleted"])]


class Watched:
    """The catalog, watched: runs in flight, and every delete step (and by-key delete) with
    what it removed."""

    def __init__(self, inner: Catalog, machine: RuntimeMachine) -> None:
        self.inner, self.machine = inner, machine
        self.in_flight: set[str] = set()
        self.deletes: list[tuple[int, set[Key], bool]] = []
        self.reported: list[set[Key]] = []
        """What each ``delete_items`` removed."""
        self.fail_writes: set[str] = set()
        self.live_removed: list[set[Key]] = []
        """What each ``apply_live`` removed."""
        self.newest_mark = 0
        """The highest live mark a run began with: live changes above it beat every run."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def save_run(self, run: ResyncResult) -> None:
        if run.status is ResyncStatus.RUNNING:
            self.in_flight.add(run.id)
            if len(self.in_flight) > 1:
                self.machine.violations.append(f"two runs in flight: {self.in_flight}")
        else:
            self.in_flight.discard(run.id)
        await self.inner.save_run(run)

    async def write_page(self, integration_id: str, kind: str, *args: Any, **kw: Any) -> Any:
        if kind in self.fail_writes:
            raise CatalogError(f"injected write failure in {kind}")
        return await self.inner.write_page(integration_id, kind, *args, **kw)

    async def write_items(self, integration_id: str, kind: str, *args: Any, **kw: Any) -> Any:
        if kind in self.fail_writes:
            raise CatalogError(f"injected write failure in {kind}")
        return await self.inner.write_items(integration_id, kind, *args, **kw)

    async def begin_run(self, integration_id: str, generation: int) -> RunStart:
        start = await self.inner.begin_run(integration_id, generation)
        self.newest_mark = max(self.newest_mark, start.live_mark)
        return start

    async def apply_live(self, integration_id: str, *args: Any) -> LiveOutcome:
        async with self.machine.lock:  # the checks see a live change whole or not at all
            before = set(await snapshot(self.inner, integration_id))
            outcome = await self.inner.apply_live(integration_id, *args)
            self.live_removed.append(before - set(await snapshot(self.inner, integration_id)))
        return outcome

    async def delete_items(self, integration_id: str, *args: Any, **kw: Any) -> int:
        async with self.machine.lock:  # the checks see a delete whole or not at all
            before = set(await snapshot(self.inner, integration_id))
            deleted = await self.inner.delete_items(integration_id, *args, **kw)
            self.reported.append(before - set(await snapshot(self.inner, integration_id)))
        return deleted

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False,
        live_mark: int | None = None,
    ) -> DeleteOutcome:
        ocean = self.machine.ocean
        current = ocean.generation == generation and ocean.pending is None
        async with self.machine.lock:  # the checks see a delete step whole or not at all
            before = set(await snapshot(self.inner, integration_id))
            outcome = await self.inner.delete_stale(
                integration_id, generation, threshold=threshold, dry_run=dry_run,
                live_mark=live_mark,
            )
            removed = before - set(await snapshot(self.inner, integration_id))
            self.deletes.append((generation, removed, current))
        return outcome


class RuntimeMachine(RuleBasedStateMachine):
    catalog_kind = "memory"
    backend = "asyncio"
    folder: Path | None = None

    def __init__(self) -> None:
        super().__init__()
        self.exits = contextlib.ExitStack()
        self.portal: BlockingPortal = self.exits.enter_context(
            start_blocking_portal(self.backend)
        )
        self.violations: list[str] = []
        self.source: ModelSource = self.portal.call(self._new_source)
        self.lock: anyio.Lock = self.portal.call(self._new_lock)
        inner: Catalog
        if self.catalog_kind == "sqlite":
            assert self.folder is not None
            RuntimeMachine.sequence += 1
            inner = SQLiteCatalog(self.folder / f"model-{RuntimeMachine.sequence}.db")
        elif self.catalog_kind == "sqlite-memory":  # no file, the same engine and threads
            inner = SQLiteCatalog(":memory:")
        else:
            inner = MemoryCatalog()
        self.catalog = Watched(inner, self)
        self.ever: set[Key] = set()
        self.known: set[Key] = set()
        self.checked_deletes = 0
        self.checked_reported = 0
        self.checked_live = 0
        self.live: dict[Key, tuple[int, Any]] = {}
        """Per key, its latest live change: its ``live_seq`` and what it left (None: gone)."""
        self.next_id = 0
        self.steps = 0
        self.deleting: list[int] = []
        self.ocean: Ocean = self._start()
        self._call(self._seed_catalog)

    async def _seed_catalog(self) -> None:
        """Every sequence starts from a catalog that a clean run filled, so removals bite."""
        for kind in KINDS:
            for _ in range(3):
                self.next_id += 1
                item = {"id": f"{kind}{self.next_id}", "name": f"{kind} {self.next_id}",
                        "value": 0, "updated": self.source.tick()}
                self.source.data[kind].append(item)
                self.ever.add((kind, item["id"]))
        self.ocean.trigger(Trigger.START)
        assert (await self.ocean.wait_idle()) is not None

    sequence = 0

    # -- plumbing ---------------------------------------------------------------------------

    async def _new_source(self) -> ModelSource:
        return ModelSource()

    async def _new_lock(self) -> anyio.Lock:
        return anyio.Lock()

    def _call(self, fn: Callable[[], Any]) -> Any:
        async def run() -> Any:
            with anyio.fail_after(5):
                result = fn()
                if hasattr(result, "__await__"):
                    result = await result
                return result

        return self.portal.call(run)

    def _start(self) -> Ocean:
        store: Any = self.catalog
        ocean = Ocean(self.source, catalog=store, mapping=mapping_for(*KINDS),
                      integration_id="m", deletion_threshold=1.0)
        self.source.generation = lambda: (
            ocean.current_run.generation if ocean.current_run is not None else 0
        )
        self.ocean = ocean
        self.host, self.stop = self.portal.start_task(self._host, ocean)
        return ocean

    @staticmethod
    async def _host(ocean: Ocean, *, task_status: Any) -> None:
        """Holds the runtime open in one task, as ``async with`` requires."""
        stop = anyio.Event()
        async with ocean:
            task_status.started(stop)
            await stop.wait()

    def _stop(self) -> None:
        self.portal.call(self.stop.set)
        self.host.result(timeout=10)

    async def _blocked_or_idle(self) -> None:
        async with anyio.create_task_group() as tasks:

            async def until(wait: Callable[[], Any]) -> None:
                await wait()
                tasks.cancel_scope.cancel()

            tasks.start_soon(until, self.source.blocked.wait)
            tasks.start_soon(until, self.ocean.wait_idle)

    # -- rules ------------------------------------------------------------------------------

    @rule(kind=st.sampled_from(KINDS), n=st.integers(1, 3))
    def add_items(self, kind: str, n: int) -> None:
        def add() -> None:
            for _ in range(n):
                self.next_id += 1
                self.source.data[kind].append(
                    {"id": f"{kind}{self.next_id}", "name": f"{kind} {self.next_id}", "value": 0,
                     "updated": self.source.tick()}
                )
                self.ever.add((kind, f"{kind}{self.next_id}"))

        self._call(add)

    @rule(kind=st.sampled_from(KINDS), index=st.integers(0, 9), tombstone=st.booleans())
    def remove_item(self, kind: str, index: int, tombstone: bool) -> None:
        """A removal the source reports (a tombstone), or one only a full run's sweep finds."""
        def remove() -> None:
            if self.source.data[kind]:
                gone = self.source.data[kind].pop(index % len(self.source.data[kind]))
                if tombstone:
                    self.source.tombstones[kind].append(
                        {"id": gone["id"], "updated": self.source.tick()})
                    self.source.ever_tombstoned[kind].add(gone["id"])

        self._call(remove)

    @rule(kind=st.sampled_from(KINDS))
    def forget_tombstones(self, kind: str) -> None:
        """The source's tombstones expire: what they said is left to a full run's sweep."""
        self._call(lambda: self.source.tombstones[kind].clear())

    @rule(kind=st.sampled_from(KINDS), index=st.integers(0, 9), value=st.integers(0, 3))
    def change_item(self, kind: str, index: int, value: int) -> None:
        def change() -> None:
            found = self.source.data[kind]
            if found:
                found[index % len(found)] = {**found[index % len(found)], "value": value,
                                             "updated": self.source.tick()}

        self._call(change)

    @rule(**LIVE)
    def live_change(
        self, kind: str, what: str, index: int, value: int, tombstone: bool, by_webhook: bool
    ) -> None:
        """A change of the source, reported at once as a live change (rule 8), whatever the
        runtime is doing (a run may be blocked mid-way, or writing)."""
        self._call(lambda: self._live(kind, what, index, value, tombstone, by_webhook))

    @rule(incremental=st.booleans(), **LIVE)
    def live_change_while_a_run_is_blocked(
        self, incremental: bool, kind: str, what: str, index: int, value: int, tombstone: bool,
        by_webhook: bool,
    ) -> None:
        """Rule 8's races played on purpose: a run's fetcher of ``kind`` has listed the source
        and waits; the change lands; the run goes on with what it listed, to its end."""
        def start() -> None:
            self.source.hold[kind] = 0
            self.ocean.trigger(Trigger.API, incremental=incremental)

        self._call(start)
        self._call(self._blocked_or_idle)  # idle: it failed, or aborted, before the kind
        self._call(lambda: self.source.hold.pop(kind, None))
        self._call(lambda: self._live(kind, what, index, value, tombstone, by_webhook))
        self._call(lambda: self.source.release.set())
        self._call(self._blocked_or_idle)

    async def _live(
        self, kind: str, what: str, index: int, value: int, tombstone: bool, by_webhook: bool
    ) -> None:
        found = self.source.data[kind]
        gone = what == "remove" and bool(found)
        if what == "add" or not found:
            self.next_id += 1
            item = {"id": f"{kind}{self.next_id}", "name": f"{kind} {self.next_id}",
                    "value": value, "updated": self.source.tick()}
            found.append(item)
            self.ever.add((kind, item["id"]))
        elif what == "change":
            at = index % len(found)
            item = found[at] = {**found[at], "value": value, "updated": self.source.tick()}
        else:
            item = found.pop(index % len(found))
            if tombstone:
                self.source.tombstones[kind].append(
                    {"id": item["id"], "updated": self.source.tick()})
                self.source.ever_tombstoned[kind].add(item["id"])
        upserted, deleted = ([], [{"id": item["id"]}]) if gone else ([dict(item)], [])
        if by_webhook:
            body = orjson.dumps({"kind": kind, "upserted": upserted, "deleted": deleted})
            report = await self.ocean.handle_webhook(WebhookRequest.of("change", body))
        else:
            report = await self.ocean.apply(LiveChange(kind, upserted, deleted))
        [done] = report.changes
        STATS["live_changes"] += 1
        STATS["live_during_runs"] += self.ocean.state == "running"
        assert done.errors == 0 and done.live_seq is not None, done
        left = None if deleted else expected({kind: [item]})[(kind, item["id"])]
        self.live[(kind, item["id"])] = (done.live_seq, left)

    @rule(wait=st.booleans())
    def trigger(self, wait: bool) -> None:
        """A trigger; aborts a blocked run, so waiting for the new one cannot hang."""
        self._call(lambda: self.ocean.trigger(Trigger.API))
        if wait:
            self._call(self.ocean.wait_idle)

    @rule(wait=st.booleans())
    def trigger_incremental(self, wait: bool) -> None:
        self._call(lambda: self.ocean.trigger(Trigger.API, incremental=True))
        if wait:
            self._call(self.ocean.wait_idle)

    @rule(incremental=st.booleans())
    def schedule_tick(self, incremental: bool) -> None:
        """What the service's scheduler does on a tick: trigger when idle, else skip."""
        def tick() -> None:
            if self.ocean.state == "idle":
                self.ocean.request(Trigger.SCHEDULE, incremental=incremental)

        self._call(tick)

    @rule(kind=st.sampled_from(KINDS), batch=st.integers(0, 2))
    def fail_fetch(self, kind: str, batch: int) -> None:
        self._call(lambda: self.source.fail.__setitem__(kind, batch))

    @rule(kind=st.sampled_from(KINDS))
    def fail_write(self, kind: str) -> None:
        self._call(lambda: self.catalog.fail_writes.add(kind))

    @rule()
    def heal(self) -> None:
        def clear() -> None:
            self.source.fail.clear()
            self.catalog.fail_writes.clear()

        self._call(clear)

    @rule(kind=st.sampled_from(KINDS), batch=st.integers(0, 2))
    def trigger_a_run_that_blocks(self, kind: str, batch: int) -> None:
        def start() -> None:
            self.source.hold[kind] = batch
            self.ocean.trigger(Trigger.API)

        self._call(start)
        self._call(self._blocked_or_idle)
        self._call(lambda: self.source.hold.pop(kind, None))

    @rule()
    def unblock(self) -> None:
        """Let a blocked fetcher go on (nothing, if none is blocked)."""
        self._call(lambda: self.source.release.set())

    @rule()
    def wait_idle(self) -> None:
        """Wait for the runtime to be idle, or for a fetcher to block (it would never be)."""
        self._call(self._blocked_or_idle)

    @rule()
    def restart(self) -> None:
        self._stop()
        self._start()

    # -- checks -----------------------------------------------------------------------------

    @invariant()
    def deleted_only_by_a_clean_current_run_that_did_not_see_it(self) -> None:
        self.steps += 1

        async def check() -> None:
            async with self.lock:
                await locked()

        async def locked() -> None:
            held = await snapshot(self.catalog.inner, "m")
            now = set(held)
            deletes = self.catalog.deletes[self.checked_deletes :]
            removed = set().union(*(r for _, r, _ in deletes)) if deletes else set()
            reported = self.catalog.reported[self.checked_reported :]
            self.checked_reported += len(reported)
            live_removed = self.catalog.live_removed[self.checked_live :]
            self.checked_live += len(live_removed)
            for keys in live_removed:
                assert all(self.live.get(key, (0, True))[1] is None for key in keys), (
                    f"a live change removed what it did not delete: {keys}")
                removed |= keys
            for keys in reported:
                for kind, identifier in keys:
                    assert identifier in self.source.ever_tombstoned[kind], (
                        f"{identifier} deleted by key, but the source never reported it gone")
                removed |= keys
            vanished = self.known - now
            assert vanished <= removed, f"gone outside a delete step: {vanished - removed}"
            assert now <= self.ever, f"entities the source never had: {now - self.ever}"
            pending = []
            for generation, gone, current in deletes:
                if not gone:
                    continue
                assert current, f"generation {generation} deleted but was superseded"
                seen = self.source.seen.get(generation, set())
                assert not gone & seen, f"generation {generation} deleted what it saw"
                pending.append(generation)
            for generation in pending:
                self.deleting.append(generation)
            self.known = now
            self.checked_deletes += len(deletes)
            for key, (seq, left) in self.live.items():
                if seq > self.catalog.newest_mark:  # no run began after the change
                    assert held.get(key) == left, (
                        f"{key}: live change {seq} left {left}, but a run that began before it"
                        f" made it {held.get(key)}")
            for generation in list(self.deleting):
                runs = [r for r in await self.catalog.inner.runs("m", limit=200)
                        if r.generation == generation and r.status is not ResyncStatus.RUNNING]
                if runs:
                    [run] = runs
                    assert run.status is ResyncStatus.SUCCEEDED, (generation, run.status)
                    assert all(k.errors == 0 for k in run.kinds.values())
                    self.deleting.remove(generation)

        self._call(check)
        assert not self.violations, self.violations

    def teardown(self) -> None:
        try:
            async def clean() -> ResyncResult | None:
                self.source.fail.clear()
                self.source.hold.clear()
                self.catalog.fail_writes.clear()
                self.source.release.set()
                self.ocean.trigger(Trigger.API)
                return await self.ocean.wait_idle()

            async def clean_incremental() -> ResyncResult | None:
                self.source.fail.clear()
                self.source.hold.clear()
                self.catalog.fail_writes.clear()
                self.source.release.set()
                self.ocean.trigger(Trigger.API, incremental=True)
                return await self.ocean.wait_idle()

            mapped = expected(self.source.data)
            final = self._call(clean_incremental)
            assert final is not None and final.status is ResyncStatus.SUCCEEDED, final
            held = self._call(lambda: snapshot(self.catalog.inner, "m"))
            # Every change is in; what is left over went without a tombstone it still has.
            assert {key: held.get(key) for key in mapped} == mapped
            silent = {(k, i) for k in KINDS for i in self.source.removed(k)}
            assert not (set(held) - set(mapped)) & silent, "a reported delete was missed"
            final = self._call(clean)
            assert final is not None and final.status is ResyncStatus.SUCCEEDED, final
            assert self._call(lambda: snapshot(self.catalog.inner, "m")) == mapped
            assert not self.violations, self.violations
            self.deleted_only_by_a_clean_current_run_that_did_not_see_it()
            STATS["sequences"] += 1
            STATS["steps"] += self.steps
            STATS["deletes"] += sum(1 for _, gone, _ in self.catalog.deletes if gone)
            history = self._call(lambda: self.catalog.inner.runs("m", limit=1000))
            STATS["runs"] += len(history)
            STATS["incremental_runs"] += sum(1 for r in history if r.mode == "incremental")
            STATS["reported_deletes"] += sum(1 for keys in self.catalog.reported if keys)
        finally:
            with contextlib.suppress(Exception):
                self._stop()
            with contextlib.suppress(Exception):
                self._call(self.catalog.inner.close)
            self.exits.close()


STATS: dict[str, int] = {"sequences": 0, "steps": 0, "deletes": 0, "runs": 0,
                         "incremental_runs": 0, "reported_deletes": 0, "live_changes": 0,
                         "live_during_runs": 0}

_COMBINATIONS = (
    [("memory", "asyncio"), ("memory", "trio"), ("sqlite-memory", "asyncio"),
     ("sqlite", "asyncio"), ("sqlite", "trio")]
    if SOAK else [("memory", "asyncio")]
)


@pytest.mark.parametrize(("catalog_kind", "backend"), _COMBINATIONS)
def test_runtime_against_its_model(
    catalog_kind: str, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocean_core._coalesce, "COALESCE_WINDOW", 0.0)
    for name in STATS:
        STATS[name] = 0

    class Machine(RuntimeMachine):
        pass

    Machine.catalog_kind, Machine.backend, Machine.folder = catalog_kind, backend, tmp_path
    examples = EXAMPLES // 10 if catalog_kind == "sqlite" else EXAMPLES
    run = Machine.TestCase
    run.settings = settings(
        max_examples=examples, stateful_step_count=STEPS, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    run("runTest").runTest()
    assert STATS["sequences"] >= examples
    assert STATS["live_during_runs"] > 0, STATS  # rule 8's races were played
    record(f"model_{catalog_kind}_{backend}", **STATS)
