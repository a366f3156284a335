"""What a dry run reports: what a resync would do now, found by fetching and mapping
everything while writing nothing (``Ocean.dry_run()``, ``ocean resync --dry-run``, the API's
``POST .../resync`` with ``{"dry_run": true}``).

    report = await ocean.dry_run()
    report.kinds["service"].created, report.kinds["service"].changed_sample[0].fields
    report.would_delete, report.delete_skipped_reason, report.outcome

A dry run is no run: it bumps no generation, aborts nothing, and leaves no record in the run
history. It compares with what the catalog holds when it reads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ocean_core._types import ResyncStatus, RunMode
from ocean_core.results import EntityRef, ErrorDetail

MAX_SAMPLES = 5
"""Per kind, the entities the samples of created and changed ones name (the deleted sample
names up to ``results.MAX_DELETED_SAMPLES``, as a run record does)."""


class FieldChange(BaseModel):
    """One field of an entity that a run would change: ``path`` is ``title``, ``team``,
    ``icon``, ``properties.<key>...`` or ``relations.<key>``; ``old`` and ``new`` are JSON
    text, shortened (None: the field is absent on that side), a secret as ``**********``."""

    path: str
    old: str | None
    new: str | None


class EntityChange(BaseModel):
    """An entity a run would change, with the fields that differ."""

    blueprint: str
    identifier: str
    fields: list[FieldChange] = Field(default_factory=list)
    more_fields: int = 0
    """Fields that differ beyond those listed."""


class KindPreview(BaseModel):
    """What a run would do to one kind. ``created``, ``changed`` and ``unchanged`` count the
    entities the fetched items map to; ``deleted`` counts the kind's entities in the catalog
    that nothing fetched maps to (a clean full run's sweep deletes them; see
    ``DryRunReport.would_delete`` for whether this one would). ``errors`` are the run's
    errors, guards included.

    Rule 9: ``removed`` counts the entities the run would delete outside the sweep, whatever
    the guards say (its ``KindStats.deleted``): those its ``Deleted`` batches report gone
    and, in an incremental run, those whose changed item the selector now drops.
    ``since`` is what the fetcher was given (None: everything), ``cursor`` the cursor the
    run would commit (None: none), ``skipped`` marks a kind without a cursor in an
    incremental dry run, and ``cursor_nulls`` counts the items whose cursor was null."""

    fetched: int = 0
    filtered: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    removed: int = 0
    errors: int = 0
    error_details: list[ErrorDetail] = Field(default_factory=list)
    created_sample: list[EntityRef] = Field(default_factory=list)
    changed_sample: list[EntityChange] = Field(default_factory=list)
    deleted_sample: list[EntityRef] = Field(default_factory=list)
    removed_sample: list[EntityRef] = Field(default_factory=list)
    since: int | float | str | None = None
    cursor: int | float | str | None = None
    skipped: bool = False
    cursor_nulls: int = 0


class GuardVerdict(BaseModel):
    """What one guard of the delete phase would say: ``errors`` (any error skips the delete),
    ``deletion_threshold`` (the share of entities that would go) or ``empty_kind`` (a kind
    that had entities returns none)."""

    guard: Literal["errors", "deletion_threshold", "empty_kind"]
    passed: bool
    detail: str


class DryRunReport(BaseModel):
    """A dry run's findings. ``outcome`` is the status a real run would end with now
    (``succeeded`` or ``failed``); ``would_delete`` is how many entities it would delete: the
    kinds' ``removed``, and the ``stale`` ones a clean full run's sweep deletes, unless its
    delete phase would be skipped (``delete_skipped_reason`` says why). ``entities`` is how
    many the integration owns now, in the catalog's ``generation``. ``mode`` is the run's
    (rule 9): an incremental run never sweeps (``stale`` is 0, the only guard ``errors``)."""

    integration_id: str
    generation: int
    mode: RunMode = RunMode.FULL
    started_at: datetime
    ended_at: datetime | None = None
    kinds: dict[str, KindPreview] = Field(default_factory=dict)
    entities: int = 0
    stale: int = 0
    would_delete: int = 0
    deletion_threshold: float
    delete_skipped_reason: str | None = None
    guards: list[GuardVerdict] = Field(default_factory=list)
    outcome: ResyncStatus = ResyncStatus.SUCCEEDED
    error: str | None = None
    """What broke the dry run itself, if anything did (then ``outcome`` is ``failed``)."""

    @property
    def errors(self) -> int:
        return sum(k.errors for k in self.kinds.values())


class TrialItem(BaseModel):
    """One fetched item as ``ocean try`` shows it: the raw item (JSON, shortened), the
    selector's verdict (None when it could not say, or the kind has no mapping), with
    ``itemsToParse`` how many items it gave, each entity's mapped fields by path
    (``identifier``, ``properties.tier``, ``relations.team``), and the item's errors as a run
    would record them."""

    resource: int | None = None
    raw: str
    selected: bool | None = None
    parsed: int | None = None
    entities: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


class TrialReport(BaseModel):
    """The first items of one kind, fetched and mapped, nothing written (``ocean try``)."""

    integration_id: str
    kind: str
    fetched: int = 0
    items: list[TrialItem] = Field(default_factory=list)
    fetch_errors: list[ErrorDetail] = Field(default_factory=list)
