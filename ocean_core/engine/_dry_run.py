"""A dry run: every kind fetched and mapped as a run would, compared with the catalog, and
nothing written (no page, no generation, no run record).

First the integration's entities are read once, in key order, into an index of their keys,
content hashes and kinds (about 150 bytes an entity in memory). Then each kind streams as in a
run: a mapped row whose key the index lacks would be created, one whose hash differs changed
(the first few are looked up again, one seek each, for their field-level diff), the rest are
unchanged. What no kind saw would be deleted by a clean run; the guards say whether this run
would be clean.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass, field

from loguru import logger

from ocean_core._deleted import Deleted
from ocean_core._entity_seek import find_entity
from ocean_core._run_context import RunContext
from ocean_core._types import ResyncStatus
from ocean_core.catalog import CatalogReads, EntityKey, EntityRow, encode_entity
from ocean_core.catalog._guards import threshold_reason
from ocean_core.dry_run import MAX_SAMPLES, DryRunReport, GuardVerdict, KindPreview
from ocean_core.engine._diff import Differ, secret_values
from ocean_core.engine._fetch import fetched_batches, prepare_page
from ocean_core.engine._kind import empty_kind_message
from ocean_core.engine._plan import KindStep, ResyncPlan
from ocean_core.engine._records import now
from ocean_core.integration import Integration, fetching
from ocean_core.results import MAX_DELETED_SAMPLES, EntityRef, ErrorStage, KindStats

_SCAN_PAGE = 1000

Key = tuple[str, str]
"""(blueprint, identifier) within one integration."""


@dataclass
class _Stored:
    """The integration's entities as the catalog holds them: hash and kind by key."""

    hashes: dict[Key, tuple[int, str | None]] = field(default_factory=dict)
    seen: set[Key] = field(default_factory=set)

    @classmethod
    async def read(cls, catalog: CatalogReads, integration_id: str) -> _Stored:
        stored = cls()
        after: EntityKey | None = None
        while page := await catalog.list_entities(integration_id, after=after,
                                                  limit=_SCAN_PAGE):
            for entity in page:
                key = (entity.blueprint, entity.identifier)
                stored.hashes[key] = (encode_entity(entity).hash, entity.kind)
            last = page[-1]
            after = (integration_id, last.blueprint, last.identifier)
        return stored

    def count(self, kind: str) -> int:
        return sum(1 for _, stored_kind in self.hashes.values() if stored_kind == kind)


@dataclass
class DryRun:
    """Fetches and maps every kind of ``plan`` and reports what a run would do; writes nothing.

    Like a run it holds no lock of its own; unlike one it needs none, so it can run beside the
    integration's runner (it compares with what the catalog holds when it reads it).
    """

    integration: Integration
    catalog: CatalogReads
    """Only read: a dry run needs no runner lock, and writes through no catalog seam."""
    plan: ResyncPlan
    integration_id: str
    deletion_threshold: float
    samples: int = MAX_SAMPLES

    async def execute(self) -> DryRunReport:
        with logger.contextualize(integration_id=self.integration_id, run_id="dry-run"):
            generation = await self.catalog.generation(self.integration_id)
            report = DryRunReport(
                integration_id=self.integration_id, generation=generation, started_at=now(),
                deletion_threshold=self.deletion_threshold,
            )
            logger.info("dry run started: nothing is written")
            try:
                await self._run(report)
            except Exception as exc:  # a report always comes back, saying what broke
                report.error = f"{type(exc).__name__}: {exc}"
                report.outcome = ResyncStatus.FAILED
                logger.opt(exception=exc).error("dry run failed: {}", report.error)
            report.ended_at = now()
            return report

    async def _run(self, report: DryRunReport) -> None:
        stored = await _Stored.read(self.catalog, self.integration_id)
        report.entities = len(stored.hashes)
        stats: dict[str, KindStats] = {}
        context = RunContext(self.integration_id, "dry-run", report.generation)
        differ = Differ(secret_values(self.integration.config))
        async with self.integration.run_scope(context):
            for step in self.plan.steps:
                name = step.spec.name
                kind_stats = stats.setdefault(name, KindStats())
                preview = report.kinds.setdefault(name, KindPreview())
                context.kind, context.stats = name, kind_stats
                try:
                    with logger.contextualize(kind=name):
                        await self._kind(step, kind_stats, preview, stored, differ)
                finally:
                    context.kind, context.stats = None, None
        for name, kind_stats in stats.items():
            self._guard_empty(name, kind_stats, report.kinds[name], stored)
            _copy_counts(kind_stats, report.kinds[name])
        self._deletions(report, stored)
        self._verdicts(report)

    async def _kind(self, step: KindStep, stats: KindStats, preview: KindPreview,
                    stored: _Stored, differ: Differ) -> None:
        request = step.request()
        changed: list[EntityRow] = []
        batches_of = fetched_batches(self.integration, step.spec, request, stats)
        with fetching(request):
            async with aclosing(batches_of) as batches:
                async for batch in batches:
                    if isinstance(batch, Deleted):  # a dry run of a full run: not reported yet
                        continue
                    done = await prepare_page(batch, step.resource, step.spec.name)
                    stats.filtered += done.filtered
                    for message, item in done.errors:
                        stats.add_error(ErrorStage.MAP, message, item)
                    changed += self._compare(done.rows, step.spec.name, preview, stored)
        for row in changed[: self.samples]:
            old = await find_entity(self.catalog,
                                    (self.integration_id, row.blueprint, row.identifier))
            if old is not None:
                preview.changed_sample.append(differ.change(old, row))

    def _compare(self, rows: Sequence[EntityRow], kind: str, preview: KindPreview,
                 stored: _Stored) -> list[EntityRow]:
        """Count each row as created, changed or unchanged; the changed ones, for samples."""
        changed: list[EntityRow] = []
        for row in rows:
            key = (row.blueprint, row.identifier)
            found = stored.hashes.get(key)
            stored.seen.add(key)
            if found is None:
                preview.created += 1
                if len(preview.created_sample) < self.samples:
                    preview.created_sample.append(EntityRef(
                        blueprint=row.blueprint, identifier=row.identifier, kind=kind))
            elif found[0] == row.hash:
                preview.unchanged += 1
            else:
                preview.changed += 1
                if preview.changed <= self.samples:
                    changed.append(row)
        return changed

    def _guard_empty(self, kind: str, stats: KindStats, preview: KindPreview,
                     stored: _Stored) -> None:
        spec = next(step.spec for step in self.plan.steps if step.spec.name == kind)
        mapped = preview.created + preview.changed + preview.unchanged
        if stats.errors or mapped or spec.may_be_empty:
            return
        had = stored.count(kind)
        if had:
            stats.add_error(ErrorStage.GUARD, empty_kind_message(kind, had))

    def _deletions(self, report: DryRunReport, stored: _Stored) -> None:
        for key, (_hash, kind) in stored.hashes.items():
            if key in stored.seen:
                continue
            preview = report.kinds.setdefault(kind or "", KindPreview())
            preview.deleted += 1
            report.stale += 1
            if len(preview.deleted_sample) < MAX_DELETED_SAMPLES:  # the riskiest: more
                preview.deleted_sample.append(
                    EntityRef(blueprint=key[0], identifier=key[1], kind=kind))

    def _verdicts(self, report: DryRunReport) -> None:
        """The guards of the delete phase, as the run's would decide now."""
        failed = [name for name, preview in report.kinds.items() if preview.errors]
        report.guards.append(GuardVerdict(
            guard="errors", passed=not failed,
            detail=f"{len(failed)} kind(s) had errors: {', '.join(failed)}" if failed
            else "no errors"))
        for preview in report.kinds.values():
            for detail in preview.error_details:
                if detail.stage is ErrorStage.GUARD:
                    report.guards.append(GuardVerdict(guard="empty_kind", passed=False,
                                                      detail=detail.message))
        over = threshold_reason(report.stale, report.entities, self.deletion_threshold)
        share = report.stale / report.entities if report.entities else 0.0
        report.guards.append(GuardVerdict(
            guard="deletion_threshold", passed=over is None,
            detail=over or f"{report.stale} of {report.entities} entities ({share:.0%}) would"
            f" be deleted, within the threshold of {self.deletion_threshold:.0%}"))
        report.delete_skipped_reason = (
            report.guards[0].detail if failed else over)
        report.would_delete = 0 if report.delete_skipped_reason else report.stale
        if report.delete_skipped_reason or report.error:
            report.outcome = ResyncStatus.FAILED


def _copy_counts(stats: KindStats, preview: KindPreview) -> None:
    preview.fetched, preview.filtered = stats.fetched, stats.filtered
    preview.errors, preview.error_details = stats.errors, list(stats.error_details)
