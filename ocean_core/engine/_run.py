"""One resync run: kinds in sequence, then the delete phase, and the record of it all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
from loguru import logger

from ocean_core._run_context import RunContext
from ocean_core._types import ResyncStatus, RunMode
from ocean_core.catalog import ResyncStore
from ocean_core.engine._kinds import KindSequence
from ocean_core.engine._outcome import log_outcome
from ocean_core.engine._plan import ResyncPlan
from ocean_core.engine._records import now, traceback_text
from ocean_core.integration import Integration
from ocean_core.results import EntityRef, RunRecord

CHECKPOINT_INTERVAL = 1.0
"""Seconds between saves of a running record to a shared catalog (live progress elsewhere)."""


@dataclass
class ResyncRun:
    """Executes one run and keeps ``record`` live while it does.

    Cancelling the task that awaits ``execute`` aborts the run: it is recorded ``aborted`` and
    deletes nothing. Once the delete step has begun, the run finishes and records its outcome
    under a shield, so a run that deleted is never recorded as aborted.

    An incremental run (``record.mode``, rule 9) runs the kinds with a cursor and never
    sweeps: its delete phase is only the count of what its kinds reported deleted.
    """

    integration: Integration
    catalog: ResyncStore
    plan: ResyncPlan
    record: RunRecord
    deletion_threshold: float
    plan_only: bool = False
    newest_generation: Callable[[], int] | None = None
    """The newest generation its runtime has triggered: a trigger not yet stored in the
    catalog supersedes this run as surely as a stored one."""
    superseded: bool = field(default=False, init=False)
    stored_generation: int | None = field(default=None, init=False)
    """The catalog's generation once stored: higher than the run's if another runner moved on."""
    live_mark: int | None = field(default=None, init=False)
    """The integration's ``live_seq`` when the run began (``begin_run``): its writes leave
    alone every key a live change above it touched (rule 8)."""

    async def execute(self) -> RunRecord:
        # Every line logged while the run runs (the engine's, the integration's, its HTTP
        # client's) carries the run's identity; each kind adds its name.
        with logger.contextualize(
            integration_id=self.record.integration_id,
            run_id=self.record.id,
            generation=self.record.generation,
            mode=self.record.mode.value,
        ):
            return await self._execute()

    async def _execute(self) -> RunRecord:
        try:
            # Rule 8: the run's live mark, taken with its generation; every write it makes
            # leaves alone the keys a live change newer than the mark touched.
            start = await self.catalog.begin_run(
                self.record.integration_id, self.record.generation
            )
            self.stored_generation, self.live_mark = start.generation, start.live_mark
            await self.catalog.save_run(self.record)
            mode = "" if self.record.mode is RunMode.FULL else f", {self.record.mode.value}"
            logger.info("resync started ({}{})", self.record.trigger.value, mode)
            await self._sync_kinds()
            # A trigger that came while the last await was finishing has its cancellation
            # pending: deliver it here, before the shield, so the run aborts.
            await anyio.lowlevel.checkpoint()
            with anyio.CancelScope(shield=True):
                await self._delete_phase()
                await self._finish(self._final_status())
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True):
                self.record.delete_skipped_reason = "aborted: a newer trigger or shutdown"
                await self._finish(ResyncStatus.ABORTED)
            log_outcome(self.record)
            raise
        except Exception as exc:  # a run always ends recorded, whatever broke
            self.record.error = f"{type(exc).__name__}: {exc}"
            self.record.error_traceback = traceback_text(exc)
            self.record.delete_skipped_reason = self.record.delete_skipped_reason or (
                f"the run failed: {self.record.error}"
            )
            with anyio.CancelScope(shield=True):
                await self._finish(ResyncStatus.FAILED)
            log_outcome(self.record, exc)
            return self.record
        log_outcome(self.record)
        return self.record

    async def _sync_kinds(self) -> None:
        record = self.record
        context = RunContext(record.integration_id, record.id, record.generation)
        async with self.integration.run_scope(context):
            await self._sync_kinds_in(context)

    async def _sync_kinds_in(self, context: RunContext) -> None:
        if not self.catalog.capabilities.shared:
            await self._each_kind(context)
            return
        try:  # other processes read the live counts from the shared catalog
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._checkpoints)
                await self._each_kind(context)
                tasks.cancel_scope.cancel()
        except ExceptionGroup as group:  # one failure: record it as itself
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise

    async def _checkpoints(self) -> None:
        while True:
            await anyio.sleep(CHECKPOINT_INTERVAL)
            await self.catalog.save_run(self.record)

    async def _each_kind(self, context: RunContext) -> None:
        await KindSequence(
            self.integration, self.catalog, self.plan, self.record, live_mark=self.live_mark,
            plan_only=self.plan_only,
        ).run(context)

    async def _delete_phase(self) -> None:
        self.record.deleted = sum(stats.deleted for stats in self.record.kinds.values())
        newest = self.newest_generation() if self.newest_generation else self.record.generation
        if self.record.mode is RunMode.INCREMENTAL:  # rule 9: an incremental run never sweeps
            self.superseded = newest > self.record.generation
            return
        if newest > self.record.generation:
            self.record.delete_skipped_reason = (
                f"superseded: generation {self.record.generation} is no longer current"
                f" (now {newest})"
            )
            self.superseded = True
            return
        failed = [name for name, stats in self.record.kinds.items() if stats.errors]
        if failed:
            self.record.delete_skipped_reason = (
                f"{len(failed)} kind(s) had errors: {', '.join(failed)}"
            )
            return
        outcome = await self.catalog.delete_stale(
            self.record.integration_id,
            self.record.generation,
            threshold=self.deletion_threshold,
            dry_run=self.plan_only,
            live_mark=self.live_mark,
        )
        self.record.deleted += outcome.deleted
        self.record.kept = outcome.kept
        if self.plan_only and not outcome.superseded:
            self.record.would_delete = outcome.stale
            self.record.delete_skipped_reason = outcome.skipped_reason or (
                f"plan only: a clean run would delete {outcome.stale} entities"
            )
            return
        self.record.delete_skipped_reason = outcome.skipped_reason
        self.record.deleted_sample = [
            EntityRef(blueprint=blueprint, identifier=identifier, kind=kind)
            for blueprint, identifier, kind in outcome.deleted_sample
        ]
        self.superseded = outcome.superseded

    def _final_status(self) -> ResyncStatus:
        if self.superseded:
            return ResyncStatus.ABORTED
        if self.record.errors or self.record.error:
            return ResyncStatus.FAILED
        reason = self.record.delete_skipped_reason
        if reason is not None and not reason.startswith("plan only"):
            return ResyncStatus.FAILED  # a guard fired
        return ResyncStatus.SUCCEEDED

    async def _finish(self, status: ResyncStatus) -> None:
        self.record.status = status
        self.record.ended_at = now()
        await self.catalog.save_run(self.record)
