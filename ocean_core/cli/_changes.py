"""``ocean config reset ID``: discard the changes made through the API to one integration,
so the config file's settings apply again, to every command on the catalog."""

from __future__ import annotations

from pathlib import Path

from ocean_core.assembly import open_catalog
from ocean_core.cli._console import out, run_async
from ocean_core.cli._local import selected
from ocean_core.cli._remote import translated
from ocean_core.config import load_config
from ocean_core.errors import RunnerLockedError
from ocean_core.sdk.aio import AsyncClient, Integration
from ocean_core.service import ApiChanges, discard_api_changes


def _locked(exc: RunnerLockedError) -> RunnerLockedError:
    """The lock is taken by the integration's runner (``ocean sail``, most likely): the
    changes it holds in memory would outlive a reset of the stored ones, so the reset is
    the runner's to make, through its API."""
    iid = exc.integration_id
    return RunnerLockedError(iid, f"reset it there: `ocean config reset {iid} --api URL`,"
                             f" or DELETE /api/integrations/{iid}/changes")


def reset_here(config: Path, integration_id: str) -> None:
    async def work() -> ApiChanges | None:
        loaded = load_config(config)
        [index] = selected(loaded, integration_id)
        catalog = open_catalog(loaded)
        try:
            try:
                async with catalog.runner_lock(integration_id):
                    return await discard_api_changes(
                        catalog, loaded.settings.integrations[index],
                        f"integrations[{index}]")
            except RunnerLockedError as exc:
                raise _locked(exc) from None
        finally:
            await catalog.close()

    discarded = run_async(work)
    if discarded is None:
        out.print(f"{integration_id}: no change made through the API; the config file applies",
                  markup=False, highlight=False)
        return
    out.print(f"{integration_id}: discarded the API's change ({', '.join(discarded.settings)});"
              " the config file applies from the next run on", markup=False, highlight=False)


def reset_remote(url: str, token: str | None, integration_id: str) -> None:
    async def work() -> str:
        async with AsyncClient(url, token) as client:
            with translated(client.settings.url):
                found = await Integration.get(integration_id, client=client)
                settings = found.state.api_changes.settings if found.state.api_changes else []
                run = await found.discard_changes(client=client)
        what = f"discarded the API's change ({', '.join(settings)})" if settings else (
            "had no change made through the API")
        return (f"{integration_id}: {what}; resync run {run.run_id} (generation"
                f" {run.generation}) {run.status}")

    out.print(run_async(work), markup=False, highlight=False)
