"""The vocabulary shared by every module: JSON shapes and the run enums."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeAlias

JSON: TypeAlias = Any
"""A value JSON can hold (dict, list, str, int, float, bool, None)."""

RawItem: TypeAlias = dict[str, Any]
"""One object as a fetcher yields it, before mapping."""


class Trigger(StrEnum):
    """What started a resync."""

    START = "start"
    SCHEDULE = "schedule"
    API = "api"
    CLI = "cli"
    SDK = "sdk"
    CONFIG = "config"
    KB = "kb"


class RunMode(StrEnum):
    """What a run fetches (rule 9): everything, or what changed since each kind's cursor."""

    FULL = "full"
    """Every kind, ``since=None``; the delete phase sweeps after a clean pass (rule 4)."""
    INCREMENTAL = "incremental"
    """Only the kinds with a cursor, each from its committed cursor; never sweeps."""


class ResyncStatus(StrEnum):
    """Where a resync run stands. Only ``SUCCEEDED`` means a clean run."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        return self is not ResyncStatus.RUNNING
