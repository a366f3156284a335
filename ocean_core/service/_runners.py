"""Who runs an integration: this process, if it can take the integration's runner lock.

With a one-process catalog the lock is taken at start or the service fails. With a shared one
(PostgreSQL) a process that finds it taken stands by: it passes triggers on to the runner
(``on_notice`` is the runner's side), and takes over when the runner's lock is gone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
from anyio.abc import TaskStatus
from loguru import logger

from ocean_core._types import Trigger
from ocean_core.errors import OceanError, RunnerLockedError
from ocean_core.service import _changes
from ocean_core.service._instance import Instance

if TYPE_CHECKING:
    from ocean_core.service._service import OceanService


async def drive(
    service: OceanService, instance: Instance, *,
    task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """Run the integration whenever this process can take its runner lock.

    With a one-process catalog the lock is taken at once or the service fails to start.
    With a shared one (PostgreSQL) a process that finds it taken stands by, and tries
    again every ``takeover_interval`` seconds: when the holder dies, PostgreSQL drops its
    lock, and one standby takes over (raising the fencing token).
    """
    first = True
    while True:
        try:
            async with instance.ocean:
                instance.holder = True
                service._notify()
                await _on_take(service, instance, first)
                if first:
                    task_status.started()
                    first = False
                await _hold(service, instance)
                logger.warning("integration {}: lost its runner lock; standing by",
                               instance.id)
        except RunnerLockedError:
            if not service.catalog.capabilities.shared:
                raise
        except OceanError as exc:  # the catalog went away (a restart): stand by, try again
            if first:
                raise
            logger.warning("integration {}: {}; standing by", instance.id, exc)
        finally:
            instance.holder = False
            service._notify()
        if first:
            logger.info("integration {}: run by another process; standing by", instance.id)
            task_status.started()
            first = False
        await anyio.sleep(service.takeover_interval)

async def _on_take(service: OceanService, instance: Instance, first: bool) -> None:
    """The resync a runner starts with: on start if configured; after a takeover also
    when the previous holder left a triggered generation unrun."""
    if instance.settings.resync_on_start:
        instance.ocean.request(Trigger.START)
        return
    if first:
        return
    newest = await service.catalog.runs(instance.id, limit=1)
    if instance.ocean.generation > (newest[0].generation if newest else 0):
        instance.ocean.request(Trigger.START)

async def _hold(service: OceanService, instance: Instance) -> None:
    """Return when this process no longer holds the integration's lock."""
    if not service.catalog.capabilities.shared:
        await anyio.sleep_forever()
    while True:
        await anyio.sleep(service.lease_check_interval)
        if not await service.catalog.still_holds(instance.id):
            return

def on_notice(service: OceanService, notice: dict[str, Any]) -> None:
    """A trigger passed on by another process: the holder runs it."""
    instance = service._instances.get(str(notice.get("integration_id")))
    if instance is None or not instance.holder or service._tasks is None:
        return
    if notice.get("reload"):
        service._tasks.start_soon(_reload, service, instance, notice)
        return
    instance.ocean.request(
        str(notice["trigger"]), run_id=str(notice["run_id"]),
        generation=int(notice["generation"]),
    )
    service._notify()

async def _reload(
    service: OceanService, instance: Instance, notice: dict[str, Any]
) -> None:
    """Another process changed the integration through the API: apply what it stored."""
    changed = await _changes.apply_stored(service.catalog, instance.file_settings)
    if changed.config != instance.settings.config or (
        changed.mapping != instance.settings.mapping
    ):
        instance.ocean.reconfigure(*service._prepare(instance, changed))
    instance.settings = changed
    on_notice(service, {**notice, "reload": False})
