"""Creating and closing run records."""

from __future__ import annotations

import traceback
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



MAX_TRACEBACK = 4000
"""Characters of a traceback kept in a run record: the end, where the innermost frames and
the exception are."""


def traceback_text(exc: BaseException) -> str:
    """``exc``'s traceback as text, cut from the top to ``MAX_TRACEBACK`` characters."""
    text = "".join(traceback.format_exception(exc)).rstrip()
    if len(text) <= MAX_TRACEBACK:
        return text
    return f"… ({len(text) - MAX_TRACEBACK} characters cut)\n" + text[-MAX_TRACEBACK:]
