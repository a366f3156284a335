"""``ocean resync`` run here, on the config's catalog: each selected integration with the
settings in effect (the file's, with the changes made through the API), one run after the
other, or a dry run of each. SIGTERM or SIGINT aborts the run in flight (recorded
``aborted``, nothing deleted) and ends the command with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import typer
from rich.live import Live

from ocean_core._types import ResyncStatus, Trigger
from ocean_core.assembly import open_catalog
from ocean_core.catalog import Catalog
from ocean_core.cli import _display, _display_dry
from ocean_core.cli._console import err, out, run_async
from ocean_core.cli._console import error as print_error
from ocean_core.cli._local import changes_note, in_effect, made, runtime, selected
from ocean_core.cli._signals import Interruption, stopped_by_signals
from ocean_core.config import load_config
from ocean_core.dry_run import DryRunReport
from ocean_core.ocean import Ocean
from ocean_core.results import RunRecord


async def _live_run(ocean: Ocean, incremental: bool) -> RunRecord:
    """One run with its progress on stderr, refreshed eight times a second."""
    async with ocean:
        ocean.trigger(Trigger.CLI, incremental=incremental)
        with Live(console=err, refresh_per_second=8, transient=True) as view:
            async with anyio.create_task_group() as tasks:
                async def refresh() -> None:
                    while True:
                        view.update(_display.progress(ocean.current_run, ocean.integration_id))
                        await anyio.sleep(0.125)

                tasks.start_soon(refresh)
                result = await ocean.wait_idle()
                tasks.cancel_scope.cancel()
    assert result is not None
    return result


async def _runtimes(config: Path, integration: str | None
                    ) -> tuple[Catalog, list[Ocean]]:
    loaded = load_config(config)
    indexes = selected(loaded, integration)
    # Every unset variable these runs need, at once; none of the API or other integrations.
    loaded.require("catalog", *(f"integrations[{i}]" for i in indexes))
    catalog = open_catalog(loaded)
    try:
        oceans = []
        for index in indexes:  # every runtime is built (and validated) before any run
            # Only read (nothing is written before the run takes its runner lock), and nothing
            # made before every runtime is built: a file not made yet holds no change.
            effect = await in_effect(catalog if made(catalog) else None, loaded, index)
            if effect.changes is not None:  # on stderr, with --json too
                err.print(changes_note(effect.settings.id, effect.changes), highlight=False,
                          soft_wrap=True, markup=False)
            oceans.append(runtime(loaded, index, catalog, effect))
    except BaseException:
        await catalog.close()
        raise
    return catalog, oceans


async def _aborted_record(catalog: Catalog, ocean: Ocean) -> RunRecord | None:
    """The run a signal cut short, as it was recorded (``aborted``)."""
    newest = await catalog.runs(ocean.integration_id, limit=1)
    if newest and newest[0].status is ResyncStatus.ABORTED:
        return newest[0]
    return None


def resync_here(config: Path, integration: str | None, *, dry_run: bool, as_json: bool,
                incremental: bool = False) -> bool:
    """Run (or dry-run) each selected integration; print a summary of each as it ends (or
    JSON at the end). Whether every run succeeded (for a dry run: would succeed)."""
    live = not as_json and err.is_terminal

    async def work() -> tuple[list[RunRecord | DryRunReport], Interruption]:
        catalog, oceans = await _runtimes(config, integration)
        done: list[RunRecord | DryRunReport] = []
        try:
            async with stopped_by_signals() as stopped:
                for ocean in oceans:
                    found: RunRecord | DryRunReport
                    if dry_run:
                        found = await ocean.dry_run(incremental=incremental)
                    else:
                        found = await (_live_run(ocean, incremental) if live else
                                       ocean.resync(Trigger.CLI, incremental=incremental))
                    done.append(found)
                    if not as_json:
                        out.print(_display_dry.report(found) if isinstance(found, DryRunReport)
                                  else _display.summary(found))
            if stopped.signal is not None and not dry_run and len(done) < len(oceans):
                aborted = await _aborted_record(catalog, oceans[len(done)])
                if aborted is not None:
                    done.append(aborted)
                    if not as_json:
                        out.print(_display.summary(aborted))
        finally:
            await catalog.close()
        return done, stopped

    done, stopped = run_async(work)
    if as_json:
        out.print_json(json.dumps([found.model_dump(mode="json") for found in done]))
    if stopped.signal is not None:
        what = "the dry run was stopped" if dry_run else (
            "the run in flight was recorded aborted, and nothing was deleted")
        print_error(f"interrupted by {stopped.signal.name}: {what}")
        raise typer.Exit(1)
    return all(_succeeded(found) for found in done)


def _succeeded(found: RunRecord | DryRunReport) -> bool:
    if isinstance(found, DryRunReport):
        return found.outcome is ResyncStatus.SUCCEEDED
    return found.status is ResyncStatus.SUCCEEDED
