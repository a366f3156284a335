"""Which mode a triggered run runs in (rule 9), when triggers of both modes meet."""

from __future__ import annotations

from ocean_core._types import RunMode
from ocean_core.errors import ConfigError


def triggered_mode(
    incremental: bool, *, replaces: RunMode | None, aborts: RunMode | None
) -> RunMode:
    """The mode of a run triggered ``incremental`` or not, that ``replaces`` a pending run and
    ``aborts`` a run in flight (None: none). Full when any of them is full: a full run covers
    what an incremental one does, so a full run asked for is never lost to a later
    incremental trigger."""
    if not incremental or RunMode.FULL in (replaces, aborts):
        return RunMode.FULL
    return RunMode.INCREMENTAL


def check_mode(plan_only: bool, incremental: bool) -> None:
    """A plan (a full run that syncs, then counts what its sweep would delete) cannot be
    incremental: ``ConfigError`` for both at once. A dry run can (``Ocean.dry_run``)."""
    if plan_only and incremental:
        raise ConfigError.single(
            "incremental", "a plan shows what a full run would delete: it cannot be incremental"
            " (a dry run can: Ocean.dry_run(incremental=True))")
