"""A dry run: every kind fetched and mapped as a run would, compared with the catalog, and
nothing written (no page, no generation, no run record, no cursor).

First the integration's entities are read once, in key order, into an index of their keys,
content hashes and kinds (about 150 bytes an entity in memory). Then each kind streams as in a
run (``DryKind``): a mapped row whose key the index lacks would be created, one whose hash
differs changed (the first few are looked up again, one seek each, for their field-level diff),
the rest are unchanged; what its ``Deleted`` batches report gone would be removed. What no kind
saw would be deleted by a clean full run's sweep; the guards say whether this run would be
clean.

An incremental dry run (rule 9) runs the kinds with a cursor, each from its committed cursor
as the run would, and reports the cursor each would commit; it never sweeps, so it has no
stale entities and only the errors guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loguru import logger

from ocean_core._entity_seek import find_entity
from ocean_core._run_context import RunContext
from ocean_core._types import ResyncStatus, RunMode
from ocean_core.catalog import CatalogReads
from ocean_core.catalog._guards import threshold_reason
from ocean_core.catalog._types import StoredCursor
from ocean_core.dry_run import MAX_SAMPLES, DryRunReport, GuardVerdict, KindPreview
from ocean_core.engine._cursor import start_cursor
from ocean_core.engine._diff import Differ, secret_values
from ocean_core.engine._dry_kind import DryKind
from ocean_core.engine._dry_stored import Stored
from ocean_core.engine._kind import empty_kind_message
from ocean_core.engine._plan import KindStep, ResyncPlan
from ocean_core.engine._records import now
from ocean_core.engine._removals import Dropped
from ocean_core.integration import Integration
from ocean_core.results import MAX_DELETED_SAMPLES, EntityRef, ErrorStage, KindStats


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
    mode: RunMode = RunMode.FULL
    cursors: dict[str, StoredCursor] = field(default_factory=dict)
    """The committed cursors, as read before the dry run: where an incremental one starts."""

    @property
    def incremental(self) -> bool:
        return self.mode is RunMode.INCREMENTAL

    async def execute(self) -> DryRunReport:
        with logger.contextualize(integration_id=self.integration_id, run_id="dry-run",
                                  mode=self.mode.value):
            generation = await self.catalog.generation(self.integration_id)
            report = DryRunReport(
                integration_id=self.integration_id, generation=generation, started_at=now(),
                deletion_threshold=self.deletion_threshold, mode=self.mode,
            )
            logger.info("dry run started ({}): nothing is written", self.mode.value)
            try:
                await self._run(report)
            except Exception as exc:  # a report always comes back, saying what broke
                report.error = f"{type(exc).__name__}: {exc}"
                report.outcome = ResyncStatus.FAILED
                logger.opt(exception=exc).error("dry run failed: {}", report.error)
            report.ended_at = now()
            return report

    async def _run(self, report: DryRunReport) -> None:
        stored = await Stored.read(self.catalog, self.integration_id)
        report.entities = len(stored.hashes)
        kinds: dict[str, DryKind] = {}
        last = {step.spec.name: index for index, step in enumerate(self.plan.steps)}
        context = RunContext(self.integration_id, "dry-run", report.generation)
        differ = Differ(secret_values(self.integration.config))
        async with self.integration.run_scope(context):
            for index, step in enumerate(self.plan.steps):
                name = step.spec.name
                preview = report.kinds.setdefault(name, KindPreview())
                if self.incremental and step.cursor is None:
                    preview.skipped = True
                    continue
                kind = kinds.get(name) or kinds.setdefault(
                    name, self._start(step, stored, preview))
                context.kind, context.stats = name, kind.stats
                try:
                    with logger.contextualize(kind=name):
                        if kind.runs:
                            await kind.step(self.integration, step)
                finally:
                    context.kind, context.stats = None, None
                if index == last[name]:
                    await self._end(kind, differ)
        for name, kind in kinds.items():
            if not self.incremental:
                self._guard_empty(name, kind.stats, kind.preview, stored)
            _copy_counts(kind.stats, kind.preview)
        if not self.incremental:
            self._deletions(report, stored)
        self._verdicts(report)

    def _start(self, step: KindStep, stored: Stored, preview: KindPreview) -> DryKind:
        """The kind as its first step starts: its cursor set up as a run's would be."""
        name = step.spec.name
        kind = DryKind(name, KindStats(), preview, stored, self.samples)
        if step.cursor is not None:
            kind.cursor, problem = start_cursor(step, self.plan, self.cursors.get(name),
                                                self.incremental)
            preview.since = kind.cursor.since_value
            if problem is not None:  # since cannot be worked out: the kind does not run
                kind.stats.add_error(ErrorStage.CURSOR, problem)
                kind.runs = False
            if self.incremental and self.plan.selects(name):
                kind.dropped = Dropped()
        return kind

    async def _end(self, kind: DryKind, differ: Differ) -> None:
        kind.end()
        for row in kind.changed[: self.samples]:
            old = await find_entity(self.catalog,
                                    (self.integration_id, row.blueprint, row.identifier))
            if old is not None:
                kind.preview.changed_sample.append(differ.change(old, row))

    def _guard_empty(self, kind: str, stats: KindStats, preview: KindPreview,
                     stored: Stored) -> None:
        spec = next(step.spec for step in self.plan.steps if step.spec.name == kind)
        mapped = preview.created + preview.changed + preview.unchanged
        if stats.errors or mapped or spec.may_be_empty:
            return
        had = stored.count(kind)
        if had:
            stats.add_error(ErrorStage.GUARD, empty_kind_message(kind, had))

    def _deletions(self, report: DryRunReport, stored: Stored) -> None:
        for key, kind in stored.stale():
            preview = report.kinds.setdefault(kind or "", KindPreview())
            preview.deleted += 1
            report.stale += 1
            if len(preview.deleted_sample) < MAX_DELETED_SAMPLES:  # the riskiest: more
                preview.deleted_sample.append(
                    EntityRef(blueprint=key[0], identifier=key[1], kind=kind))

    def _verdicts(self, report: DryRunReport) -> None:
        """The guards of the delete phase, as the run's would decide now. Removals are not
        the delete phase's: a run applies them whatever the guards say."""
        failed = [name for name, preview in report.kinds.items() if preview.errors]
        report.guards.append(GuardVerdict(
            guard="errors", passed=not failed,
            detail=f"{len(failed)} kind(s) had errors: {', '.join(failed)}" if failed
            else "no errors"))
        removed = sum(preview.removed for preview in report.kinds.values())
        if self.incremental:  # no sweep: nothing to skip, no threshold to weigh
            report.would_delete = removed
            if failed or report.error:
                report.outcome = ResyncStatus.FAILED
            return
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
        report.would_delete = removed + (0 if report.delete_skipped_reason else report.stale)
        if report.delete_skipped_reason or report.error:
            report.outcome = ResyncStatus.FAILED


def _copy_counts(stats: KindStats, preview: KindPreview) -> None:
    preview.fetched, preview.filtered = stats.fetched, stats.filtered
    preview.errors, preview.error_details = stats.errors, list(stats.error_details)
    preview.cursor_nulls = stats.cursor_nulls
