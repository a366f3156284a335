"""The conformance suite: what every integration must do, checked on the author's own data."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import anyio

from ocean_core._types import ResyncStatus
from ocean_core.catalog import MemoryCatalog
from ocean_core.errors import MappingError
from ocean_core.integration import Batch, Fetcher, Integration
from ocean_core.mapping import MappingSpec
from ocean_core.ocean import Ocean
from ocean_core.results import RunRecord

Mapping = dict[str, Any] | MappingSpec | None
ID = "conformance"


class InjectedFailure(Exception):
    """The failure the suite injects into one kind's fetcher."""


@dataclass(frozen=True)
class CheckResult:
    """One check: ``name`` is ``mapping``, ``pagination``, ``fetch:KIND`` or ``failure:KIND``."""

    name: str
    passed: bool
    message: str


@dataclass(frozen=True)
class ConformanceReport:
    checks: list[CheckResult]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]

    def __str__(self) -> str:
        return "\n".join(
            f"[{'pass' if c.passed else 'FAIL'}] {c.name}: {c.message}" for c in self.checks
        )


@dataclass
class _Tracker:
    """What the probed fetchers did: items per kind, and the kind fetching right now."""

    items: dict[str, int] = field(default_factory=dict)
    current: str | None = None

    async def watch(
        self, kind: str, batches: AsyncIterator[Batch], fail: bool
    ) -> AsyncIterator[Batch]:
        self.current = kind
        self.items.setdefault(kind, 0)
        try:
            async for batch in batches:
                self.items[kind] += len(batch)
                yield batch
                if fail:
                    raise InjectedFailure(f"injected failure in kind {kind!r}")
        finally:
            close = getattr(batches, "aclose", None)
            if close is not None:
                await close()
        if fail:
            raise InjectedFailure(f"injected failure in kind {kind!r} (it yielded nothing)")


def _probe(integration: Integration, tracker: _Tracker, fail: str | None) -> Integration:
    """A copy of ``integration`` whose fetchers report to ``tracker``; its class untouched."""
    base = type(integration)

    def fetcher(self: Integration, kind_name: str) -> Fetcher:
        inner = base.fetcher(self, kind_name)
        # Whatever the fetcher takes (its KindSpec's parameters) passes through untouched.
        return lambda **request: tracker.watch(kind_name, inner(**request), fail == kind_name)

    probe_class = type(f"Probe{base.__name__}", (base,), {"fetcher": fetcher})
    probe = copy.copy(integration)
    probe.__class__ = cast(type[Integration], probe_class)
    return probe


async def _run(ocean: Ocean, time_limit: float) -> RunRecord | None:
    try:
        with anyio.fail_after(time_limit):
            return await ocean.resync()
    except TimeoutError:
        return None


async def check_conformance(
    make_integration: Callable[[], Integration],
    *,
    mapping: Mapping = None,
    time_limit: float = 30.0,
) -> ConformanceReport:
    """Run the suite on fresh integrations from ``make_integration``; never raises on a failure.

    Checks: every kind of the plan fetches at least one item (``fetch:KIND``); a resync with the
    default (or given) mapping succeeds without errors (``mapping``); it ends within ``time_limit``
    seconds (``pagination``); and a failure injected into each kind after its first batch fails
    the run and deletes nothing (``failure:KIND``).
    """
    tracker = _Tracker()
    catalog = MemoryCatalog()
    try:
        ocean = Ocean(_probe(make_integration(), tracker, None), catalog=catalog,
                      mapping=mapping, integration_id=ID)
    except MappingError as exc:
        return ConformanceReport([CheckResult("mapping", False, f"invalid mapping: {exc}")])
    kinds = [step.spec.name for step in ocean.plan.steps]
    result = await _run(ocean, time_limit)
    checks = [_fetch_check(kind, tracker) for kind in kinds]
    if result is None:
        message = f"the resync did not finish within {time_limit:g} s"
        checks.append(CheckResult("mapping", False, message))
        checks.append(CheckResult(
            "pagination", False,
            f"{message}; kind {tracker.current!r} was still fetching (does it page forever?)",
        ))
        return ConformanceReport(checks)
    checks.append(_mapping_check(result))
    checks.append(CheckResult("pagination", True, f"finished in {result.duration or 0:.2f} s"))
    written = {(e.blueprint, e.identifier) for e in await catalog.list_entities(ID)}
    for kind in kinds:
        probe = _probe(make_integration(), _Tracker(), kind)
        failed = await _run(
            Ocean(probe, catalog=catalog, mapping=mapping, integration_id=ID), time_limit
        )
        left = {(e.blueprint, e.identifier) for e in await catalog.list_entities(ID)}
        checks.append(_failure_check(kind, failed, written - left, time_limit))
    return ConformanceReport(checks)


def _fetch_check(kind: str, tracker: _Tracker) -> CheckResult:
    count = tracker.items.get(kind)
    if count is None:
        return CheckResult(f"fetch:{kind}", False, "the fetcher was never run")
    if count == 0:
        return CheckResult(f"fetch:{kind}", False, "the fetcher yielded no items")
    return CheckResult(f"fetch:{kind}", True, f"{count} items")


def _mapping_check(result: RunRecord) -> CheckResult:
    if result.status is ResyncStatus.SUCCEEDED and result.errors == 0:
        return CheckResult("mapping", True, "the resync succeeded without errors")
    details = [
        f"{kind}: {detail.stage} error: {detail.message}"
        + (f" (item {detail.item})" if detail.item else "")
        for kind, stats in result.kinds.items()
        for detail in stats.error_details
    ]
    summary = f"the resync {result.status} with {result.errors} errors"
    reason = f"; {result.error}" if result.error else ""
    return CheckResult("mapping", False, "; ".join([summary + reason, *details]))


def _failure_check(
    kind: str, result: RunRecord | None, lost: set[tuple[str, str]], time_limit: float
) -> CheckResult:
    name = f"failure:{kind}"
    if result is None:
        return CheckResult(name, False, f"the run did not finish within {time_limit:g} s")
    if result.status is not ResyncStatus.FAILED:
        return CheckResult(name, False, f"the run ended {result.status}, expected failed")
    if lost or result.deleted:
        sample = ", ".join(f"{b}/{i}" for b, i in sorted(lost)[:5])
        return CheckResult(name, False, f"the failed run deleted {len(lost)} entities: {sample}")
    reason = result.delete_skipped_reason or "nothing to delete"
    return CheckResult(name, True, f"failed and skipped the delete ({reason})")


async def assert_conforms(
    make_integration: Callable[[], Integration],
    *,
    mapping: Mapping = None,
    time_limit: float = 30.0,
) -> ConformanceReport:
    """``check_conformance``, raising ``AssertionError`` that lists every failed check."""
    report = await check_conformance(make_integration, mapping=mapping, time_limit=time_limit)
    if not report.passed:
        lines = "\n".join(f"- {c.name}: {c.message}" for c in report.failures)
        raise AssertionError(f"integration does not conform:\n{lines}")
    return report
