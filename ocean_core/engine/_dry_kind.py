"""One kind of a dry run: its steps fetched and mapped as a run's would be, each mapped row
compared with the catalog, its removals counted instead of applied, and the cursor it would
commit worked out instead of committed (rule 9).

A run's kind and a dry run's see the same pages: a batch is split into pages of
``PAGE_SIZE``, a ``Deleted`` batch comes in order between them, an ordered kind's cursor would
be committed with each page while the kind has had no error, and at the kind's end, when it had
none, an incremental run's selector-dropped keys would go and its cursor would be committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from ocean_core._deleted import Deleted
from ocean_core.catalog import EntityRow
from ocean_core.dry_run import KindPreview
from ocean_core.engine._cursor import KindCursor
from ocean_core.engine._dry_stored import Stored
from ocean_core.engine._fetch import fetched_batches, prepare_page
from ocean_core.engine._kind import PAGE_SIZE
from ocean_core.engine._plan import KindStep
from ocean_core.engine._pooled import removal_keys
from ocean_core.engine._removals import Dropped
from ocean_core.integration import Integration, fetching
from ocean_core.results import EntityRef, ErrorStage, KindStats


@dataclass
class DryKind:
    """One kind of a dry run, over each of its steps in turn; its counts in ``stats`` (as a
    run's) and ``preview`` (what the report says)."""

    name: str
    stats: KindStats
    preview: KindPreview
    stored: Stored
    samples: int
    cursor: KindCursor | None = None
    dropped: Dropped | None = None
    """An incremental dry run of a kind with a selector: the keys its selector now drops."""
    changed: list[EntityRow] = field(default_factory=list)
    """The first changed rows, for the field-level samples."""
    runs: bool = True
    """False when the kind's ``since`` could not be worked out: it does not run."""

    async def step(self, integration: Integration, step: KindStep) -> None:
        request = step.request(self.cursor.since if self.cursor else None)
        batches_of = fetched_batches(integration, step.spec, request, self.stats)
        with fetching(request):
            async with aclosing(batches_of) as batches:
                async for batch in batches:
                    if isinstance(batch, Deleted):
                        await self._deleted(batch, step)
                        continue
                    for start in range(0, max(len(batch), 1), PAGE_SIZE):
                        await self._page(batch[start : start + PAGE_SIZE], step)

    def end(self) -> None:
        """The kind's last step is done: what a clean kind would remove and commit."""
        if self.stats.errors:
            return
        if self.dropped is not None:
            self.stored.remove(self.dropped.keys, self.name, self.preview)
        if self.cursor is not None and self.cursor.value is not None:
            self.preview.cursor = self.cursor.value

    async def _page(self, page: Sequence[Any], step: KindStep) -> None:
        observe = None if self.cursor is None else self.cursor.observe
        done = await prepare_page(page, step.resource, self.name, observe,
                                  item_seconds=step.mapping_timeout)
        if self.dropped is not None and step.resource is not None:
            self.dropped.drop((await removal_keys(
                page, step.resource, self.name, step.mapping_timeout, dropped_only=True)).keys)
        self.stats.filtered += done.filtered
        self._errors(done.errors)
        self._compare(done.rows)
        if self.dropped is not None:
            self.dropped.wrote((row.blueprint, row.identifier) for row in done.rows)
        cursor = self.cursor
        if cursor is not None and cursor.per_page and not self.stats.errors:
            value = cursor.value  # what the page's own transaction would commit
            if value is not None:
                self.preview.cursor = value

    async def _deleted(self, batch: Deleted, step: KindStep) -> None:
        if self.cursor is not None:
            self.cursor.observe(batch)
        found = await removal_keys(batch, step.resource, self.name, step.mapping_timeout)
        self._errors(found.errors)
        self.stored.remove(found.keys, self.name, self.preview)

    def _errors(self, errors: list[tuple[str, str]]) -> None:
        for message, item in errors:
            self.stats.add_error(ErrorStage.MAP, message, item)
        if self.cursor is not None:
            self.stats.cursor_nulls = self.cursor.nulls
            for message, item in self.cursor.take_errors():
                self.stats.add_error(ErrorStage.CURSOR, message, item)

    def _compare(self, rows: Sequence[EntityRow]) -> None:
        """Count each row as created, changed or unchanged; keep the first changed ones."""
        preview = self.preview
        for row in rows:
            found = self.stored.hash_of((row.blueprint, row.identifier))
            if found is None:
                preview.created += 1
                if len(preview.created_sample) < self.samples:
                    preview.created_sample.append(EntityRef(
                        blueprint=row.blueprint, identifier=row.identifier, kind=self.name))
            elif found == row.hash:
                preview.unchanged += 1
            else:
                preview.changed += 1
                if preview.changed <= self.samples:
                    self.changed.append(row)
