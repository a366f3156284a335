"""The kinds of one run in sequence (rule 3), and each kind's cursor around them (rule 9).

Before a kind's first step its cursor is set up: in an incremental run ``since`` comes from
the committed cursor (less the lag) when that cursor's fingerprint is the kind's own, else it
is None (a full fetch of that kind, without a sweep). After its last step, when the kind ended
without errors, what it must do at its end is done in order: the keys its changed items no
longer select are deleted, then the cursor is committed. An aborted run raises out of the
loop before either, so a failed, aborted or killed run is simply done again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loguru import logger

from ocean_core._run_context import RunContext
from ocean_core._types import RunMode
from ocean_core.catalog import ResyncStore
from ocean_core.catalog._types import CursorCommit, StoredCursor
from ocean_core.engine._cursor import KindCursor, start_cursor
from ocean_core.engine._kind import KindRun
from ocean_core.engine._plan import KindStep, ResyncPlan
from ocean_core.engine._removals import Dropped
from ocean_core.errors import CatalogError
from ocean_core.integration import Integration
from ocean_core.results import ErrorStage, KindStats, RunRecord


@dataclass
class _KindState:
    cursor: KindCursor | None
    dropped: Dropped | None
    runs: bool = True
    """False when the kind's ``since`` could not be worked out: it does not run."""


@dataclass
class KindSequence:
    """Runs a plan's steps for one run, keeping ``record.kinds`` live."""

    integration: Integration
    catalog: ResyncStore
    plan: ResyncPlan
    record: RunRecord
    live_mark: int | None = None
    plan_only: bool = False
    _stored: dict[str, StoredCursor] = field(default_factory=dict)

    @property
    def incremental(self) -> bool:
        return self.record.mode is RunMode.INCREMENTAL

    async def run(self, context: RunContext) -> None:
        if any(step.cursor is not None for step in self.plan.steps) and self.incremental:
            self._stored = await self.catalog.cursors(self.record.integration_id)
        last = {step.spec.name: index for index, step in enumerate(self.plan.steps)}
        seqs: dict[str, int] = {}
        states: dict[str, _KindState] = {}
        for index, step in enumerate(self.plan.steps):
            name = step.spec.name
            stats = self.record.kinds.setdefault(name, KindStats())
            if self.incremental and step.cursor is None:
                stats.skipped = stats.finished = True
                continue
            state = states.get(name) or states.setdefault(name, self._start(step, stats))
            if state.runs:
                seqs[name] = await self._step(context, step, stats, state, seqs.get(name, 0))
            if index == last[name]:
                await self._end(name, stats, state)
            stats.finished = True

    def _start(self, step: KindStep, stats: KindStats) -> _KindState:
        if step.cursor is None:
            return _KindState(None, None)
        name = step.spec.name
        cursor, problem = start_cursor(step, self.plan, self._stored.get(name), self.incremental)
        if problem is not None:
            stats.add_error(ErrorStage.CURSOR, problem)
        stats.since = cursor.since_value
        dropped = Dropped() if self.incremental and self.plan.selects(name) else None
        return _KindState(cursor, dropped, runs=problem is None)

    async def _step(
        self, context: RunContext, step: KindStep, stats: KindStats, state: _KindState,
        first_seq: int,
    ) -> int:
        cursor = state.cursor
        kind_run = KindRun(
            self.integration, self.catalog, self.record.integration_id, self.record.generation,
            step, stats, step.request(cursor.since if cursor else None), first_seq,
            mode=self.record.mode, cursor=cursor, live_mark=self.live_mark,
            plan_only=self.plan_only, dropped=state.dropped,
        )
        context.kind, context.stats = step.spec.name, stats
        try:
            with logger.contextualize(kind=step.spec.name):
                return await kind_run.run()
        finally:
            context.kind, context.stats = None, None

    async def _end(self, name: str, stats: KindStats, state: _KindState) -> None:
        """The kind's last step is done: remove what its changed items no longer select, then
        commit its cursor; only when the kind had no error."""
        cursor = state.cursor
        if cursor is None or stats.errors or self.plan_only:
            return
        integration_id = self.record.integration_id
        try:
            if state.dropped is not None and state.dropped.keys:
                stats.deleted += await self.catalog.delete_items(
                    integration_id, state.dropped.keys, generation=self.record.generation,
                    live_mark=self.live_mark)
            value = cursor.value
            if value is not None and value != stats.cursor:
                await self.catalog.commit_cursor(
                    integration_id, name, CursorCommit(value, cursor.fingerprint))
                stats.cursor = value
        except CatalogError as exc:
            stats.add_error(ErrorStage.WRITE, str(exc))
            logger.warning("kind {} could not end: {}", name, exc)
