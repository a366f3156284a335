"""One live change mapped as a resync maps a page (rule 8): by every mapping resource of its
kind, in plan order, with the same validation, encoding (so the same content hash) and item
errors. What it gives the catalog: the rows to upsert, and the keys to delete, that is those
of its deleted items (keys only, as a ``Deleted`` batch's) and those of upserted items that a
resource's selector no longer selects and that no resource of the kind wrote (Port Ocean
removes such an entity; when another resource still maps the item to the same key, it stays).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ocean_core.catalog import EntityRow
from ocean_core.engine._fetch import prepare_page
from ocean_core.engine._plan import KindStep
from ocean_core.engine._pooled import removal_keys
from ocean_core.engine._removals import Dropped, Key
from ocean_core.live import LiveChange
from ocean_core.live_report import MAX_LIVE_ERROR_DETAILS, LiveChangeReport
from ocean_core.results import ErrorDetail, ErrorStage


@dataclass
class MappedChange:
    """A change ready for ``apply_live``, and its report so far (counts of the mapping)."""

    report: LiveChangeReport
    rows: list[EntityRow] = field(default_factory=list)
    deletes: list[Key] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return bool(self.rows or self.deletes)


async def map_change(change: LiveChange, steps: Sequence[KindStep]) -> MappedChange:
    """Map ``change`` by ``steps``, the plan's steps of its kind (none: the mapping does not
    list the kind, and nothing of the change is written). As a resync page is mapped: here on
    the fast path, in a jq worker bounded by the step's ``mapping_timeout`` otherwise."""
    out = MappedChange(LiveChangeReport(kind=change.kind))
    if not steps:
        out.report.ignored = len(change.upserted) + len(change.deleted)
        return out
    upserted, deleted = list(change.upserted), list(change.deleted)
    dropped = Dropped()
    deletes: dict[Key, None] = {}
    for step in steps:
        seconds = step.mapping_timeout
        done = await prepare_page(upserted, step.resource, change.kind, item_seconds=seconds)
        out.rows.extend(done.rows)
        out.report.filtered += done.filtered
        _errors(out.report, done.errors)
        if step.resource is not None and upserted:
            dropped.drop((await removal_keys(upserted, step.resource, change.kind, seconds,
                                             dropped_only=True)).keys)
        found = await removal_keys(deleted, step.resource, change.kind, seconds)
        _errors(out.report, found.errors)
        deletes.update(dict.fromkeys(found.keys))
    dropped.wrote((row.blueprint, row.identifier) for row in out.rows)
    removed = [key for key in dropped.keys if key not in deletes]
    out.report.removed_by_selector = len(removed)
    out.deletes = [*deletes, *removed]
    return out


def _errors(report: LiveChangeReport, errors: list[tuple[str, str]]) -> None:
    for message, item in errors:
        report.errors += 1
        if len(report.error_details) < MAX_LIVE_ERROR_DETAILS:
            report.error_details.append(
                ErrorDetail(stage=ErrorStage.MAP, message=message, item=item))
