"""The SDK's multi-step operations, written once for both clients.

A plan is a generator that yields ``Call`` descriptions and is sent back each call's parsed
answer; its return value is the operation's result. ``Client.run`` drives a plan with blocking
requests, ``AsyncClient.run`` with awaited ones, so the logic (which ids are attached, how to
follow a run to its end) exists in one place.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from ocean_core.sdk import _calls as calls
from ocean_core.sdk._errors import KbIntegrationNotFound, RunWaitTimeout
from ocean_core.sdk._models import ENDED, RunHandle

T = TypeVar("T")
Plan = Generator[calls.Call[Any], Any, T]

POLL_SECONDS = 30.0
"""The longest single long poll (the server accepts up to 60)."""


def resync_in_kb(kb_id: str, integration_id: str) -> Plan[RunHandle]:
    """List the KB's integrations; unless ``integration_id`` is among them, raise
    ``KbIntegrationNotFound`` without sending the resync; else send the KB-scoped resync."""
    attached = yield calls.kb_integrations(kb_id)
    available = [item.integration_id for item in attached]
    resync = calls.kb_resync(kb_id, integration_id)
    if integration_id not in available:
        raise KbIntegrationNotFound(resync.method, resync.path, integration_id, kb_id, available)
    handle: RunHandle = yield resync
    return handle


def wait_for(
    handle: RunHandle, timeout: float | None, clock: Callable[[], float] = time.monotonic,
    *, poll: float = POLL_SECONDS, on_progress: Callable[[RunHandle], None] | None = None,
) -> Plan[RunHandle]:
    """Long-poll the run until it ends, following ``superseded_by`` to the run that covers a
    superseded trigger. ``RunWaitTimeout`` once ``timeout`` seconds have passed.

    Each poll waits ``poll`` seconds at most; ``on_progress`` gets every answer that finds
    the run not ended yet (pending, or running with its live record)."""
    poll = min(poll, POLL_SECONDS)
    deadline = None if timeout is None else clock() + timeout
    while handle.status not in ENDED:
        if handle.status == "superseded":
            if handle.superseded_by is None:
                return handle  # nothing to follow (an older server): the caller sees it
            handle = yield calls.get_run(handle.integration_id, handle.superseded_by)
            continue
        left = poll if deadline is None else deadline - clock()
        call = calls.get_run(handle.integration_id, handle.run_id, min(left, poll))
        if left <= 0:
            raise RunWaitTimeout(call.method, call.path, handle.run_id, handle.status,
                                 timeout or 0.0)
        handle = yield call
        if on_progress is not None and handle.status in ("pending", "running"):
            on_progress(handle)
    return handle
