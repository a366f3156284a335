"""Rule 8's bookkeeping, differentially: every catalog against ``MemoryCatalog`` (the
specification) on random sequences of runs whose page writes, by-key writes and deletes
interleave with live upserts and deletes, between runs and inside them. After every step the
outcomes and the integration's entities must be the memory catalog's.

The key space is small (six identifiers, two kinds, three contents), so a live change hits a
key a run is about to write, one it wrote, one it will sweep, or one it never lists, often."""

from __future__ import annotations

import os
import random
from typing import Any

import pytest

from ocean_core.catalog import Catalog, MemoryCatalog, encode
from ocean_core.catalog._rows import EntityRow

pytestmark = pytest.mark.anyio
SEQUENCES = 400 if os.environ.get("OCEAN_SOAK") == "1" else 40
IDS = tuple(f"e{i}" for i in range(6))
KINDS = ("a", "b")


def row(identifier: str, value: int) -> EntityRow:
    return encode(identifier, "svc", None, {"v": value} if value else {}, {})


def rows(rng: random.Random, most: int = 4) -> list[EntityRow]:
    return [row(rng.choice(IDS), rng.randrange(3)) for _ in range(rng.randrange(most + 1))]


async def contents(catalog: Catalog, integration_id: str) -> list[tuple[Any, ...]]:
    return [(e.kind, e.identifier, e.properties) for e in await catalog.list_entities(
        integration_id)]


class Pair:
    """The catalog under test and the specification, driven with the same calls."""

    def __init__(self, catalog: Catalog, spec: MemoryCatalog, integration_id: str) -> None:
        self.both, self.id, self.steps = (catalog, spec), integration_id, 0

    async def same(self, method: str, *args: Any, **kwargs: Any) -> Any:
        found = [await getattr(c, method)(self.id, *args, **kwargs) for c in self.both]
        assert found[0] == found[1], (method, args, kwargs, found)
        tested, spec = [await contents(c, self.id) for c in self.both]
        assert tested == spec, (method, args, kwargs)
        self.steps += 1
        return found[0]


async def live_change(pair: Pair, rng: random.Random) -> None:
    gone = [("svc", rng.choice(IDS)) for _ in range(rng.randrange(3))]
    await pair.same("apply_live", rng.choice(KINDS), rows(rng, 3), gone)


async def a_run(pair: Pair, rng: random.Random, generation: int) -> None:
    start = await pair.same("begin_run", generation)
    mark = start.live_mark
    for kind in KINDS:
        for seq in range(rng.randrange(4)):
            while rng.random() < 0.4:
                await live_change(pair, rng)
            await pair.same("write_page", kind, seq, generation, rows(rng), live_mark=mark)
        if rng.random() < 0.3:
            await pair.same("write_items", kind, rows(rng), live_mark=mark)
        if rng.random() < 0.2:
            keys = [("svc", rng.choice(IDS)) for _ in range(2)]
            await pair.same("delete_items", keys, generation=generation, live_mark=mark)
    while rng.random() < 0.3:
        await live_change(pair, rng)
    ending = rng.choice(("sweep", "sweep", "dry", "none"))
    if ending != "none":
        await pair.same("delete_stale", generation, threshold=1.0, dry_run=ending == "dry",
                        live_mark=mark)


async def test_every_catalog_keeps_rule_8_as_the_memory_catalog_does(catalog: Catalog) -> None:
    spec = MemoryCatalog()
    steps = 0
    for seed in range(SEQUENCES):
        rng = random.Random(seed)
        pair = Pair(catalog, spec, f"i{seed}")
        async with catalog.runner_lock(pair.id), spec.runner_lock(pair.id):
            for generation in range(1, rng.randrange(2, 6)):
                while rng.random() < 0.3:
                    await live_change(pair, rng)
                await a_run(pair, rng, generation)
        steps += pair.steps
    assert steps > SEQUENCES * 10
