"""The log line that ends every run: its status at a level that matches it, why, and its
counts, so that a log alone tells what a run did."""

from __future__ import annotations

from loguru import logger

from ocean_core._types import ResyncStatus, RunMode
from ocean_core.results import KindStats, RunRecord

_LEVEL = {
    ResyncStatus.SUCCEEDED: "INFO",
    ResyncStatus.ABORTED: "WARNING",
    ResyncStatus.INTERRUPTED: "WARNING",
    ResyncStatus.FAILED: "ERROR",
    ResyncStatus.RUNNING: "INFO",
}


def outcome_text(record: RunRecord) -> str:
    """``resync failed: 1 kind(s) had errors: service; service: fetched 20, upserted 0,
    unchanged 0, filtered 0, errors 1; deleted 0``. An incremental run says so (``resync
    succeeded (incremental): ...``); a kind adds what its ``Deleted`` batches deleted, its
    ``since`` and the cursor it committed, when it has them (rule 9)."""
    reason = record.error or (
        record.delete_skipped_reason if record.status is not ResyncStatus.SUCCEEDED else None)
    kinds = "; ".join(_kind_text(name, stats) for name, stats in record.kinds.items())
    deleted = f"deleted {record.deleted}"
    if record.deleted_sample:
        shown = ", ".join(f"{e.blueprint}/{e.identifier}" for e in record.deleted_sample[:5])
        deleted += f" ({shown}{', …' if record.deleted > 5 else ''})"
    parts = [part for part in (reason, kinds or "no kinds", deleted) if part]
    mode = " (incremental)" if record.mode is RunMode.INCREMENTAL else ""
    return f"resync {record.status.value}{mode}: " + "; ".join(parts)


def _kind_text(name: str, stats: KindStats) -> str:
    if stats.skipped:
        return f"{name}: skipped"
    text = (f"{name}: fetched {stats.fetched}, upserted {stats.upserted}, unchanged"
            f" {stats.unchanged}, filtered {stats.filtered}, errors {stats.errors}")
    extras = (("deleted", stats.deleted or None), ("since", stats.since),
              ("cursor", stats.cursor))
    return text + "".join(f", {label} {value}" for label, value in extras if value is not None)


def log_outcome(record: RunRecord, exc: BaseException | None = None) -> None:
    """Log how ``record``'s run ended: INFO if it succeeded, WARNING if it was aborted, ERROR
    if it failed (with the traceback of the exception that broke it, if one did)."""
    logger.opt(exception=exc).log(_LEVEL[record.status], "{}", outcome_text(record))
