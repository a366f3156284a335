"""Rules 4 and 5, differentially: SQLiteCatalog tracks "seen" per page (with a digest fast path);
MemoryCatalog tracks it per entity; a plain dict model says what either should hold.

Random sequences of resyncs drive all of them at once: each resync advances the generation,
writes pages of entities drawn from a small key space (so moves between pages and kinds,
duplicates within a page, reorders, content changes and exact repeats all happen often), then
ends with a clean delete, a dry run, no delete (an unclean run) or a superseding trigger before
the delete. After every write and every delete the outcomes must agree, and after every step
the catalogs' contents, counts, generations and stale sets must equal the model's.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import anyio
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from ocean_core.catalog import Catalog, PageOutcome, SQLiteCatalog, encode
from ocean_core.catalog._rows import EntityRow
from tests.catalog._support import (
    EntityTuple,
    as_tuple,
    entity_writes,
    install_write_counters,
)
from tests.reliability._support import scaled
from tests.support import WriteCountingMemoryCatalog

# A small key space and a few distinct contents: collisions, moves and repeats are the point.
BLUEPRINTS = ("x", "y")
IDENTIFIERS = tuple(f"e{i}" for i in range(8))
KINDS = ("a", "b")
INTEGRATIONS = ("i1", "i2")
CONTENTS: tuple[tuple[str | None, dict[str, Any], dict[str, Any]], ...] = (
    (None, {}, {}),
    ("None", {}, {}),  # must not hash like the title None
    ("t", {}, {}),
    ("t", {"v": 1}, {}),
    ("u", {"v": [1, 2]}, {"owner": "e1"}),
)

Item = tuple[str, str, int]  # blueprint, identifier, index into CONTENTS
Page = tuple[Item, ...]
Plan = tuple[tuple[str, tuple[Page, ...]], ...]  # kind runs, in order; a kind may repeat
Key = tuple[str, str, str]  # integration_id, blueprint, identifier
T = TypeVar("T")

ENDINGS = ("clean", "clean", "clean", "dry_run", "unclean", "superseded")

items = st.tuples(
    st.sampled_from(BLUEPRINTS),
    st.sampled_from(IDENTIFIERS),
    st.integers(0, len(CONTENTS) - 1),
)
pages = st.lists(items, max_size=5).map(tuple)
plans = st.lists(
    st.tuples(st.sampled_from(KINDS), st.lists(pages, max_size=4).map(tuple)), max_size=3
).map(tuple)


coin = st.booleans()


@st.composite
def mutated(draw: st.DrawFn, plan: Plan) -> Plan:
    """The previous resync's plan with a few edits: what a source mostly looks like."""
    runs = [(kind, [list(page) for page in run]) for kind, run in plan]

    def pick(n: int) -> int:
        return draw(st.integers(0, n - 1))

    for _ in range(draw(st.integers(1, 3))):
        all_pages = [page for _, run in runs for page in run]
        filled = [page for page in all_pages if page]
        op = draw(st.sampled_from(
            ("content", "remove", "add", "move", "reorder", "drop_page", "add_page",
             "drop_kind", "retag_kind")
        ))
        if op == "content" and filled:
            page = filled[pick(len(filled))]
            at = pick(len(page))
            page[at] = (*page[at][:2], draw(st.integers(0, len(CONTENTS) - 1)))
        elif op == "remove" and filled:
            page = filled[pick(len(filled))]
            del page[pick(len(page))]
        elif op == "add" and all_pages:
            page = all_pages[pick(len(all_pages))]
            page.insert(pick(len(page) + 1), draw(items))
        elif op == "move" and filled and all_pages:
            source = filled[pick(len(filled))]
            moving = source.pop(pick(len(source)))
            target = all_pages[pick(len(all_pages))]
            target.insert(pick(len(target) + 1), moving)
        elif op == "reorder" and filled:
            page = filled[pick(len(filled))]
            page[:] = draw(st.permutations(page))
        elif op == "drop_page" and all_pages:
            run = [r for _, r in runs if r]
            chosen = run[pick(len(run))]
            del chosen[pick(len(chosen))]
        elif op == "add_page":
            if draw(coin) and runs:
                runs[pick(len(runs))][1].append(list(draw(pages)))
            else:
                runs.append((draw(st.sampled_from(KINDS)), [list(draw(pages))]))
        elif op == "drop_kind" and runs:
            del runs[pick(len(runs))]
        elif op == "retag_kind" and runs:
            at = pick(len(runs))
            runs[at] = (draw(st.sampled_from(KINDS)), runs[at][1])
    return tuple((kind, tuple(tuple(page) for page in run)) for kind, run in runs)


@cache
def entity_row(blueprint: str, identifier: str, content: int) -> EntityRow:
    title, properties, relations = CONTENTS[content]
    return encode(identifier, blueprint, title, properties, relations)


def numbered(plan: Plan) -> Iterator[tuple[str, int, Page]]:
    """(kind, seq, page) in write order; a kind listed twice continues its numbering, as the
    engine does."""
    seqs: dict[str, int] = {}
    for kind, run in plan:
        for page in run:
            seq = seqs.get(kind, 0)
            seqs[kind] = seq + 1
            yield kind, seq, page


def keys_in_one_page_each(plan: Plan) -> bool:
    owner: dict[tuple[str, str], tuple[str, int]] = {}
    for kind, seq, page in numbered(plan):
        for blueprint, identifier, _ in page:
            if owner.setdefault((blueprint, identifier), (kind, seq)) != (kind, seq):
                return False
    return True


# -- the model ------------------------------------------------------------------------------


@dataclass
class Stored:
    content: int
    kind: str
    seen: int


@dataclass(frozen=True)
class ExpectedDelete:
    deleted: int
    stale: int
    total: int
    skipped: bool
    superseded: bool


class Model:
    """What the catalog should hold, computed the plainest way there is."""

    def __init__(self) -> None:
        self.generations: dict[str, int] = {}
        self.entities: dict[Key, Stored] = {}

    def advance(self, integration_id: str) -> int:
        self.generations[integration_id] = self.generations.get(integration_id, 0) + 1
        return self.generations[integration_id]

    def write(self, integration_id: str, kind: str, generation: int, page: Page) -> PageOutcome:
        last: dict[tuple[str, str], int] = {}
        for blueprint, identifier, content in page:
            last[(blueprint, identifier)] = content  # a repeated key: the last one wins
        upserted = 0
        for (blueprint, identifier), content in last.items():
            key = (integration_id, blueprint, identifier)
            before = self.entities.get(key)
            if before is None or CONTENTS[before.content] != CONTENTS[content]:
                upserted += 1
            self.entities[key] = Stored(content, kind, generation)
        return PageOutcome(upserted=upserted, unchanged=len(page) - upserted)

    def stale(self, integration_id: str, generation: int) -> list[Key]:
        return sorted(
            key for key, stored in self.entities.items()
            if key[0] == integration_id and stored.seen != generation
        )

    def delete(
        self, integration_id: str, generation: int, threshold: float, dry_run: bool
    ) -> ExpectedDelete:
        if self.generations.get(integration_id, 0) != generation:
            return ExpectedDelete(0, 0, 0, skipped=True, superseded=True)
        stale = self.stale(integration_id, generation)
        if not stale:  # the total is counted only when something is stale
            return ExpectedDelete(0, 0, 0, skipped=False, superseded=False)
        total = self.count(integration_id)
        if total and len(stale) / total > threshold:
            return ExpectedDelete(0, len(stale), total, skipped=True, superseded=False)
        if dry_run:
            return ExpectedDelete(0, len(stale), total, skipped=False, superseded=False)
        for key in stale:
            del self.entities[key]
        return ExpectedDelete(len(stale), len(stale), total, skipped=False, superseded=False)

    def count(self, integration_id: str, kind: str | None = None) -> int:
        return sum(
            1 for key, stored in self.entities.items()
            if key[0] == integration_id and kind in (None, stored.kind)
        )

    def snapshot(self) -> dict[str, Any]:
        """What ``snapshot(catalog)`` must return."""
        generations = {i: self.generations.get(i, 0) for i in INTEGRATIONS}
        return {
            "entities": self.rows(),
            "integration_ids": sorted(self.generations),
            "generations": generations,
            "counts": {(i, k): self.count(i, k) for i in INTEGRATIONS for k in (None, *KINDS)},
            "stale": {i: self.rows(self.stale(i, generations[i])) for i in INTEGRATIONS},
        }

    def rows(self, keys: list[Key] | None = None) -> list[EntityTuple]:
        chosen = sorted(self.entities) if keys is None else keys
        out: list[EntityTuple] = []
        for key in chosen:
            stored = self.entities[key]
            title, properties, relations = CONTENTS[stored.content]
            out.append((*key, title, properties, relations, None, None, stored.kind))
        return out


async def snapshot(catalog: Catalog) -> dict[str, Any]:
    """Everything a catalog tells about its entities and generations, through its public API."""
    generations = {i: await catalog.generation(i) for i in INTEGRATIONS}
    return {
        "entities": [as_tuple(e) for e in await catalog.list_entities()],
        "integration_ids": await catalog.integration_ids(),
        "generations": generations,
        "counts": {
            (i, k): await catalog.count_entities(i, k) for i in INTEGRATIONS for k in (None, *KINDS)
        },
        "stale": {
            i: [as_tuple(e) for e in await catalog.stale_entities(i, generations[i])]
            for i in INTEGRATIONS
        },
    }


# -- the machine ----------------------------------------------------------------------------


class PageMachine(RuleBasedStateMachine):
    portal: ClassVar[BlockingPortal]  # set by the test: one event loop for every example

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ocean-pages-"))
        self.sqlite: dict[str, SQLiteCatalog] = {
            "sqlite-memory": SQLiteCatalog(":memory:"),
            "sqlite-file": SQLiteCatalog(self.tmp / "catalog.db"),
        }
        self.memory = WriteCountingMemoryCatalog()
        self.catalogs: dict[str, Catalog] = {"memory": self.memory, **self.sqlite}
        self.model = Model()
        self.history: dict[str, list[Plan]] = {}  # plans by integration, oldest first
        for catalog in self.sqlite.values():
            self.call(install_write_counters, catalog)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.portal.call(fn, *args)

    @rule(data=st.data())
    def resync(self, data: st.DataObject) -> None:
        integration_id = data.draw(st.sampled_from((*INTEGRATIONS, INTEGRATIONS[0])), "iid")
        history = self.history.setdefault(integration_id, [])
        previous = history[-1] if history else None
        how = "fresh" if previous is None else data.draw(
            st.sampled_from(("fresh", "replay", "revert", "mutate", "mutate")), "how"
        )
        if how == "fresh" or previous is None:
            plan = data.draw(plans, "plan")
        elif how == "replay":
            plan = previous
        elif how == "revert":  # a source flapping back to what it was a few resyncs ago
            plan = data.draw(st.sampled_from(history[-4:]), "plan")
        else:
            plan = data.draw(mutated(previous), "plan")
        ending = data.draw(st.sampled_from(ENDINGS), "ending")
        threshold = data.draw(st.sampled_from((1.0, 1.0, 1.0, 0.5)), "threshold")
        # Writing again exactly what was last written, with no key in two pages, must rewrite
        # no entity row at all: every page takes the digest fast path.
        noop = plan == previous and keys_in_one_page_each(plan)
        history.append(plan)
        self.call(self._resync, integration_id, plan, ending, threshold, noop)

    async def each(self, fn: Callable[[Catalog], Awaitable[T]]) -> dict[str, T]:
        """``fn`` on every catalog at once (their worker threads overlap), by catalog name."""
        results: dict[str, T] = {}

        async def one(name: str, catalog: Catalog) -> None:
            results[name] = await fn(catalog)

        async with anyio.create_task_group() as group:
            for name, catalog in self.catalogs.items():
                group.start_soon(one, name, catalog)
        return results

    async def _resync(
        self, integration_id: str, plan: Plan, ending: str, threshold: float, noop: bool
    ) -> None:
        generation = self.model.advance(integration_id)
        advanced = await self.each(lambda c: c.advance_generation(integration_id))
        assert advanced == dict.fromkeys(self.catalogs, generation)
        writes_before = {name: await entity_writes(c) for name, c in self.sqlite.items()}
        memory_writes_before = self.memory.writes

        for kind, seq, page in numbered(plan):
            rows = [entity_row(*item) for item in page]
            written = self.model.write(integration_id, kind, generation, page)
            outcomes = await self.each(
                lambda c: c.unfenced().write_page(integration_id, kind, seq, generation, rows)  # noqa: B023
            )
            assert outcomes == dict.fromkeys(self.catalogs, written), (kind, seq, page)

        if noop:
            for name, catalog in self.sqlite.items():
                assert await entity_writes(catalog) == writes_before[name], name
            assert self.memory.writes == memory_writes_before

        if ending == "unclean":
            return
        if ending == "superseded":
            newer = self.model.advance(integration_id)
            advanced = await self.each(lambda c: c.advance_generation(integration_id))
            assert advanced == dict.fromkeys(self.catalogs, newer)

        expected_stale = self.model.rows(self.model.stale(integration_id, generation))
        stale = await self.each(lambda c: c.stale_entities(integration_id, generation))
        assert {n: [as_tuple(e) for e in s] for n, s in stale.items()} == dict.fromkeys(
            self.catalogs, expected_stale
        )
        dry_run = ending == "dry_run"
        expected = self.model.delete(integration_id, generation, threshold, dry_run)
        verdicts = await self.each(
            lambda c: c.unfenced().delete_stale(
                integration_id, generation, threshold=threshold, dry_run=dry_run
            )
        )
        got = {
            name: ExpectedDelete(
                v.deleted, v.stale, v.total,
                skipped=v.skipped_reason is not None, superseded=v.superseded,
            )
            for name, v in verdicts.items()
        }
        assert got == dict.fromkeys(self.catalogs, expected), verdicts
        assert len({v.skipped_reason for v in verdicts.values()}) == 1, verdicts

    @invariant()
    def catalogs_equal_model(self) -> None:
        snapshots = self.call(self.each, snapshot)
        assert snapshots == dict.fromkeys(self.catalogs, self.model.snapshot())

    def teardown(self) -> None:
        for catalog in self.catalogs.values():
            self.call(catalog.close)
        shutil.rmtree(self.tmp, ignore_errors=True)


SETTINGS = settings(
    max_examples=scaled(200, 3000),
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_page_tracking_agrees_with_memory_catalog_and_model() -> None:
    with start_blocking_portal(backend="asyncio") as running:

        class OnPortal(PageMachine):
            portal = running

        run_state_machine_as_test(OnPortal, settings=SETTINGS)
