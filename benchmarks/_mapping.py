"""Mapping throughput: the ``jq`` library per item and field vs the fast path's callables.

The mapping is a typical Port Ocean one (identifier, title, blueprint, six properties with
nested paths, one relation, a selector) over items shaped like the fake integration's. Both
sides evaluate one compiled expression per field and item, so the ratio isolates the evaluator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jq

from benchmarks._common import emit, progress
from integrations.fake.integration import make_item
from ocean_core.mapping._fast import compile_fast

SELECTOR = ".active"
FIELDS = {
    "identifier": ".id",
    "title": '"\\(.name) (\\(.meta.language))"',
    "blueprint": '"service"',
    "index": ".index",
    "tier": ".meta.tier",
    "language": ".meta.language | ascii_upcase",
    "owner": ".meta.owner.email",
    "url": ".links.html",
    "flagship": '.meta.tier == 0 and (.team | startswith("team-1"))',
    "team": ".team",
}
"""identifier, title, blueprint, six properties, one relation (``team``)."""


def _map_items(
    items: list[dict[str, Any]],
    selector: Callable[[Any], Any],
    fields: dict[str, Callable[[Any], Any]],
) -> int:
    mapped = 0
    for item in items:
        if not selector(item):
            continue
        entity = {name: fn(item) for name, fn in fields.items()}
        mapped += entity["identifier"] is not None
    return mapped


def _jq_fn(expression: str) -> Callable[[Any], Any]:
    program = jq.compile(expression)
    return lambda item: program.input_value(item).first()


def _fast_fn(expression: str) -> Callable[[Any], Any]:
    fn = compile_fast(expression)
    if fn is None:
        raise RuntimeError(f"the benchmark mapping must compile fast: {expression}")
    return fn


def _best_rate(items: list[dict[str, Any]], make: Callable[[str], Callable[[Any], Any]]) -> float:
    """Items per second, best of three passes (compiling is not timed)."""
    selector = make(SELECTOR)
    fields = {name: make(expression) for name, expression in FIELDS.items()}
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        _map_items(items, selector, fields)
        best = min(best, time.perf_counter() - started)
    return len(items) / best


def run_mapping(n: int) -> None:
    items = [make_item("service", i) for i in range(n)]
    jq_fields = {name: _jq_fn(e) for name, e in FIELDS.items()}
    fast_fields = {name: _fast_fn(e) for name, e in FIELDS.items()}
    for item in items[:500]:  # the comparison is only fair when both agree
        for name in FIELDS:
            if jq_fields[name](item) != fast_fields[name](item):
                raise RuntimeError(f"fast path disagrees with jq on {name} for {item['id']}")
    progress(f"mapping: jq library, {n:,} items x {len(FIELDS) + 1} expressions")
    jq_rate = _best_rate(items, _jq_fn)
    progress(f"mapping: fast path, {n:,} items")
    fast_rate = _best_rate(items, _fast_fn)
    emit({"n": n, "fields": len(FIELDS) + 1, "jq_items_s": jq_rate, "fast_items_s": fast_rate})
