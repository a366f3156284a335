"""The log line that ends every run: its status at a level that matches it, why, and its
counts, so that a log alone tells what a run did."""

from __future__ import annotations

from loguru import logger

from ocean_core._types import ResyncStatus
from ocean_core.results import RunRecord

_LEVEL = {
    ResyncStatus.SUCCEEDED: "INFO",
    ResyncStatus.ABORTED: "WARNING",
    ResyncStatus.INTERRUPTED: "WARNING",
    ResyncStatus.FAILED: "ERROR",
    ResyncStatus.RUNNING: "INFO",
}


def outcome_text(record: RunRecord) -> str:
    """``resync failed: 1 kind(s) had errors: service; service: fetched 20, upserted 0,
    unchanged 0, filtered 0, errors 1; deleted 0``."""
    reason = record.error or (
        record.delete_skipped_reason if record.status is not ResyncStatus.SUCCEEDED else None)
    kinds = "; ".join(
        f"{name}: fetched {stats.fetched}, upserted {stats.upserted}, unchanged"
        f" {stats.unchanged}, filtered {stats.filtered}, errors {stats.errors}"
        for name, stats in record.kinds.items()
    )
    deleted = f"deleted {record.deleted}"
    if record.deleted_sample:
        shown = ", ".join(f"{e.blueprint}/{e.identifier}" for e in record.deleted_sample[:5])
        deleted += f" ({shown}{', …' if record.deleted > 5 else ''})"
    parts = [part for part in (reason, kinds or "no kinds", deleted) if part]
    return f"resync {record.status.value}: " + "; ".join(parts)


def log_outcome(record: RunRecord, exc: BaseException | None = None) -> None:
    """Log how ``record``'s run ended: INFO if it succeeded, WARNING if it was aborted, ERROR
    if it failed (with the traceback of the exception that broke it, if one did)."""
    logger.opt(exception=exc).log(_LEVEL[record.status], "{}", outcome_text(record))
