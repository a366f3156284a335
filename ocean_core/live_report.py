"""What applying live changes did (rule 8): ``Ocean.apply`` and ``Ocean.handle_webhook`` return
a ``LiveReport``, one ``LiveChangeReport`` per change, in the order applied."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ocean_core.results import ErrorDetail

MAX_LIVE_ERROR_DETAILS = 20
"""Item errors a change's report describes one by one (``errors`` is always the exact count)."""


class LiveChangeReport(BaseModel):
    """One change of one kind, as applied.

    ``upserted`` counts new or changed entities, ``unchanged`` those whose content hash was the
    same (not rewritten), ``deleted`` the entities that existed and are gone (deleted items and
    selector removals alike). ``removed_by_selector`` counts the keys of upserted items that
    their resource's selector no longer selects: removed, as Port Ocean does, whether the
    catalog held them or not. ``filtered`` counts upserted items no resource selected.
    ``ignored`` counts items of a kind the mapping does not list (nothing of them is written,
    as a resync would not run that kind). A bad item is an item error here (``errors``,
    ``error_details``), never a failure of the change. ``live_seq`` is the integration's
    count of live changes once this one was applied (None when nothing was written).
    """

    kind: str
    upserted: int = 0
    unchanged: int = 0
    deleted: int = 0
    removed_by_selector: int = 0
    filtered: int = 0
    ignored: int = 0
    errors: int = 0
    error_details: list[ErrorDetail] = Field(default_factory=list)
    live_seq: int | None = None


class LiveReport(BaseModel):
    """What a call of ``Ocean.apply`` (or one webhook event) did, change by change; the
    totals add the changes up::

        report = await ocean.apply(LiveChange("product", upserted=[{"id": 1}]))
        report.upserted, report.errors, report.changes[0].error_details
    """

    integration_id: str
    changes: list[LiveChangeReport] = Field(default_factory=list)

    @property
    def upserted(self) -> int:
        return sum(change.upserted for change in self.changes)

    @property
    def unchanged(self) -> int:
        return sum(change.unchanged for change in self.changes)

    @property
    def deleted(self) -> int:
        return sum(change.deleted for change in self.changes)

    @property
    def removed_by_selector(self) -> int:
        return sum(change.removed_by_selector for change in self.changes)

    @property
    def errors(self) -> int:
        return sum(change.errors for change in self.changes)

    @property
    def error_details(self) -> list[ErrorDetail]:
        return [detail for change in self.changes for detail in change.error_details]
