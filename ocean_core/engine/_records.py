"""Creating and closing run records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ocean_core._types import ResyncStatus, Trigger
from ocean_core.results import ResyncResult


def now() -> datetime:
    return datetime.now(UTC)


def new_run(integration_id: str, generation: int, trigger: Trigger) -> ResyncResult:
    return ResyncResult(
        id=uuid.uuid4().hex,
        integration_id=integration_id,
        generation=generation,
        trigger=trigger,
        started_at=now(),
    )


def interrupted(run: ResyncResult) -> ResyncResult:
    """A run left ``running`` by a runner that died, as the next runner records it."""
    return run.model_copy(
        update={
            "status": ResyncStatus.INTERRUPTED,
            "ended_at": now(),
            "delete_skipped_reason": run.delete_skipped_reason
            or "interrupted: the runner stopped before the run ended",
        }
    )
