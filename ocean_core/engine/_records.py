"""Creating and closing run records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ocean_core._types import Trigger
from ocean_core.results import RunRecord


def now() -> datetime:
    return datetime.now(UTC)


def new_run(
    integration_id: str, generation: int, trigger: Trigger, run_id: str | None = None
) -> RunRecord:
    return RunRecord(
        id=run_id or uuid.uuid4().hex,
        integration_id=integration_id,
        generation=generation,
        trigger=trigger,
        started_at=now(),
    )

