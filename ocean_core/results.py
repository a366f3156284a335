"""Run records: what every resync leaves behind, live while it runs and kept afterwards."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from ocean_core._types import ResyncStatus, RunMode, Trigger

MAX_ERROR_SAMPLES = 5
"""Per kind, the number of error details kept in a run record (the count is always exact)."""
MAX_DELETED_SAMPLES = 20
"""The keys of deleted entities a run record names (``deleted`` is always the exact count)."""


class ErrorStage(StrEnum):
    """Where in a kind's pipeline an error happened."""

    FETCH = "fetch"
    MAP = "map"
    WRITE = "write"
    GUARD = "guard"
    CURSOR = "cursor"
    """An item's cursor value is neither a number nor a timestamp (or not of the kind's
    family): the kind's cursor is not committed."""


class ErrorDetail(BaseModel):
    """One error of a kind, with the offending item when there is one (as JSON, shortened),
    and for a fetch error the traceback of where the fetcher raised (shortened from the top,
    so the innermost frames stay)."""

    stage: ErrorStage
    message: str
    item: str | None = None
    traceback: str | None = None


class EntityRef(BaseModel):
    """Which entity: its key within the integration, and its kind."""

    blueprint: str
    identifier: str
    kind: str | None = None


class KindStats(BaseModel):
    """Counts of one kind in one run. ``upserted`` counts new or changed entities only.

    Progress under concurrency: ``pages`` counts the batches the fetcher yielded; an HTTP
    integration adds ``requests`` (attempts sent, retries included), ``in_flight`` (requests
    on the wire now; 0 once the kind ends), ``retries`` and ``rate_limit_waits`` (requests
    that waited for the instance's rate budget: a pause after a 429, a spent quota, the
    ``requests_per_second`` cap).

    Incremental runs (rule 9): ``since`` is what the fetcher was given (the committed cursor
    less the lag; None: everything), ``cursor`` the value this run committed (None: it
    committed none), ``skipped`` marks a kind without a cursor in an incremental run,
    ``deleted`` counts the entities its ``Deleted`` batches removed, and ``cursor_nulls`` the
    items whose cursor was null (upserted, but left out of the cursor).

    ``kept`` counts the entities the run left as a newer live change made them (rule 8: the
    run neither overwrote them nor brought them back).
    """

    fetched: int = 0
    filtered: int = 0
    upserted: int = 0
    unchanged: int = 0
    kept: int = 0
    errors: int = 0
    error_details: list[ErrorDetail] = Field(default_factory=list)
    finished: bool = False
    pages: int = 0
    requests: int = 0
    in_flight: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    since: int | float | str | None = None
    cursor: int | float | str | None = None
    skipped: bool = False
    deleted: int = 0
    cursor_nulls: int = 0

    def add_error(
        self, stage: ErrorStage, message: str, item: str | None = None,
        traceback: str | None = None,
    ) -> None:
        self.errors += 1
        if len(self.error_details) < MAX_ERROR_SAMPLES:
            self.error_details.append(
                ErrorDetail(stage=stage, message=message, item=item, traceback=traceback))


class RunRecord(BaseModel):
    """The record of one run: live and updated by the engine while the run runs (its counts,
    then its status and end), and kept in the catalog afterwards. What ``ocean.resync()``
    returns and ``ocean.runs()`` lists (also known as ``ResyncResult``, the contract's name).

    ``status`` is ``succeeded`` only for a clean run. ``deleted`` is how many entities the run
    deleted: those its kinds reported gone (``Deleted`` batches, per kind in
    ``KindStats.deleted``) and, in a full run, the stale ones of its delete phase;
    ``deleted_sample`` names some of the stale ones (``MAX_DELETED_SAMPLES`` at most). When
    the delete phase deleted nothing because it was skipped, ``delete_skipped_reason`` says
    why. ``kept`` is how many stale entities its delete step kept because a live change newer
    than the run upserted them (rule 8). ``mode`` says whether the run was ``full`` or
    ``incremental`` (which never sweeps). ``error`` is what broke the run itself (not a kind),
    with its ``error_traceback``.
    """

    id: str
    integration_id: str
    generation: int
    trigger: Trigger
    mode: RunMode = RunMode.FULL
    status: ResyncStatus = ResyncStatus.RUNNING
    started_at: datetime
    ended_at: datetime | None = None
    kinds: dict[str, KindStats] = Field(default_factory=dict)
    deleted: int = 0
    kept: int = 0
    deleted_sample: list[EntityRef] = Field(default_factory=list)
    would_delete: int | None = None
    delete_skipped_reason: str | None = None
    error: str | None = None
    error_traceback: str | None = None

    @property
    def errors(self) -> int:
        """Errors over all kinds."""
        return sum(k.errors for k in self.kinds.values())

    def interrupted(self) -> RunRecord:
        """This run as the next runner records it when the runner that ran it died."""
        return self.model_copy(
            update={
                "status": ResyncStatus.INTERRUPTED,
                "ended_at": datetime.now(UTC),
                "delete_skipped_reason": self.delete_skipped_reason
                or "interrupted: the runner stopped before the run ended",
            }
        )

    @property
    def duration(self) -> float | None:
        """Seconds from start to end, once the run has ended."""
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds()


ResyncResult = RunRecord
"""The contract's name for a run record (``result = await ocean.resync()``): the same class,
so ``isinstance(result, ResyncResult)`` holds. Kept without a warning: the contract uses it."""
