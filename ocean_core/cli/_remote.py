"""``ocean resync --api URL``: trigger resyncs on a running ``ocean sail`` and follow them,
through the async SDK (``ocean_core.sdk.aio``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from rich.live import Live

from ocean_core._types import ResyncStatus
from ocean_core.cli import _display, _display_dry
from ocean_core.cli._console import err, out, run_async
from ocean_core.dry_run import DryRunReport
from ocean_core.errors import ConfigError, OceanError, Transient
from ocean_core.results import ResyncResult
from ocean_core.sdk import APIConnectionError, APIStatusError, APITimeoutError
from ocean_core.sdk.aio import AsyncClient, Integration, Run


class ApiUnreachable(OceanError, Transient):
    """The API at ``url`` could not be reached (refused, no answer in time, no such host);
    ``cause`` says how."""

    def __init__(self, url: str, cause: str) -> None:
        self.url = url
        self.cause = cause
        super().__init__(f"cannot reach the API at {url}: {cause}")


@contextmanager
def translated(url: str) -> Iterator[None]:
    """The SDK's errors as the CLI reports them: a server that cannot be reached is its own
    error (exit 1); an error answer (a wrong token, an unknown integration) is a usage error
    naming ``--api`` (exit 2)."""
    try:
        yield
    except (APIConnectionError, APITimeoutError) as exc:
        raise ApiUnreachable(url, exc.detail) from exc
    except APIStatusError as exc:
        raise ConfigError.single(
            "--api", f"{exc.method} {exc.path} answered {exc.status}: {exc.detail}"
        ) from exc


async def trigger_all(
    client: AsyncClient, integration: str | None, *, incremental: bool = False
) -> list[Run]:
    """Trigger a resync of each integration of the server (or of one) at once, so that they
    run in parallel; their handles, in the server's config order."""
    with translated(client.settings.url):
        if integration is not None:
            chosen = [await Integration.get(integration, client=client)]
        else:
            chosen = await Integration.list(client=client)
        return [await one.resync(trigger="cli", incremental=incremental) for one in chosen]


async def follow(run: Run, client: AsyncClient, *, live: bool = False) -> ResyncResult:
    """Wait for the run to end (following ``superseded_by``) and return its record; ``live``
    shows its progress on stderr meanwhile."""
    with translated(client.settings.url):
        if not live:
            await run.wait(client=client)
        else:
            with Live(console=err, refresh_per_second=8, transient=True) as view:
                # Short polls keep the view live; the server answers at once at the end.
                await run.wait(poll=0.5, client=client, on_progress=lambda seen: view.update(
                    _display.progress(seen.record, seen.integration_id)))
    if run.record is None:
        raise OceanError(f"run {run.run_id} of {run.integration_id!r} ended without a record")
    return run.record


def resync_remote(
    url: str, token: str | None, integration: str | None, as_json: bool, detach: bool,
    *, incremental: bool = False,
) -> bool:
    """The ``--api`` form of ``ocean resync``: a summary per run as it ends (or JSON, or with
    ``detach`` the run handles at once); whether every followed run succeeded."""
    async def work() -> tuple[list[Run], list[ResyncResult]]:
        async with AsyncClient(url, token) as client:
            runs = await trigger_all(client, integration, incremental=incremental)
            records = []
            for run in [] if detach else runs:
                record = await follow(run, client, live=not as_json and err.is_terminal)
                if not as_json:
                    out.print(_display.summary(record))
                records.append(record)
            return runs, records

    runs, records = run_async(work)
    if detach and as_json:
        out.print_json(json.dumps([run.handle.model_dump(mode="json") for run in runs]))
    elif detach:
        for run in runs:
            out.print(f"{run.integration_id}: run {run.run_id}"
                      f" (generation {run.generation}) {run.status}")
    elif as_json:
        out.print_json(json.dumps([r.model_dump(mode="json") for r in records]))
    return all(r.status is ResyncStatus.SUCCEEDED for r in records)


def dry_run_remote(url: str, token: str | None, integration: str | None, as_json: bool,
                   *, incremental: bool = False) -> bool:
    """``ocean resync --api URL --dry-run``: the server's report of what a run (an incremental
    one with ``incremental``) of each integration (or of one) would do now; whether each
    would succeed."""
    async def work() -> list[DryRunReport]:
        async with AsyncClient(url, token) as client:
            with translated(client.settings.url):
                if integration is not None:
                    chosen = [await Integration.get(integration, client=client)]
                else:
                    chosen = await Integration.list(client=client)
                reports = []
                for one in chosen:
                    report = await one.dry_run(incremental=incremental, client=client)
                    if not as_json:
                        out.print(_display_dry.report(report))
                    reports.append(report)
                return reports

    reports = run_async(work)
    if as_json:
        out.print_json(json.dumps([r.model_dump(mode="json") for r in reports]))
    return all(r.outcome is ResyncStatus.SUCCEEDED for r in reports)
