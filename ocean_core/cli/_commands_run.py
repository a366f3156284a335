"""The commands that run integrations: ``resync``, ``sail``, ``validate`` and ``try``.

Declarations only (see ``_app``): each imports its implementation when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ocean_core.cli._app import (
    DEFAULT_CONFIG,
    ConfigOption,
    IntegrationOption,
    JsonOption,
    app,
)
from ocean_core.logs import LogLevel

TokenOption = Annotated[str | None, typer.Option(
    "--token", envvar="OCEAN_API_TOKEN", show_envvar=True,
    help="The API's bearer token (default: api.token of --config, if the file exists).",
)]
ApiOption = Annotated[str | None, typer.Option(
    "--api", help="Ask a running `ocean sail` at this URL instead of working here.",
)]


def config_token(config: Path) -> str | None:
    """``api.token`` of the config file, if there is one that says so."""
    from ocean_core.config import load_config
    from ocean_core.errors import ConfigError

    if not config.is_file():
        return None
    try:
        secret = load_config(config).settings.api.token
    except ConfigError:
        return None
    return secret.get_secret_value() if secret else None


@app.command()
def resync(
    config: ConfigOption = DEFAULT_CONFIG,
    integration: IntegrationOption = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Fetch and map, write nothing: report per kind what a run would"
        " create, change, leave unchanged and delete, and the guards' verdicts.",
    )] = False,
    plan: Annotated[bool, typer.Option(
        "--plan", help="The same as --dry-run (it used to sync first).",
    )] = False,
    as_json: JsonOption = False,
    api: ApiOption = None,
    token: TokenOption = None,
    detach: Annotated[bool, typer.Option(
        "--detach", help="With --api: print the run handles and return without waiting.",
    )] = False,
    incremental: Annotated[bool, typer.Option(
        "--incremental", help="Only the kinds with a cursor, each from its last committed"
        " cursor; no sweep (rule 9). With --dry-run: what such a run would do.",
    )] = False,
) -> None:
    """Run one resync of each selected integration, with live progress and a summary.

    It uses the settings in effect: the config file's, with the changes made through the API
    on the same catalog (as `ocean sail` does). SIGTERM or Ctrl-C aborts the run in flight:
    it is recorded aborted, nothing is deleted, and the exit code is 1.
    """
    dry_run = dry_run or plan
    if api is not None:
        from ocean_core.cli._remote import dry_run_remote, resync_remote

        chosen = token or config_token(config)
        if dry_run:
            ok = dry_run_remote(api, chosen, integration, as_json, incremental=incremental)
        else:
            ok = resync_remote(api, chosen, integration, as_json, detach,
                               incremental=incremental)
    else:
        from ocean_core.cli._resync import resync_here

        ok = resync_here(config, integration, dry_run=dry_run, as_json=as_json,
                         incremental=incremental)
    if not ok:
        raise typer.Exit(1)


@app.command()
def sail(
    config: ConfigOption = DEFAULT_CONFIG,
    host: Annotated[str | None, typer.Option(help="Bind address (default: api.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: api.port).")] = None,
    log_json: Annotated[bool, typer.Option(
        "--log-json", help="One flat JSON object per log line (docs/operations.md#logs).",
    )] = False,
    log_level: Annotated[LogLevel, typer.Option(case_sensitive=False)] = LogLevel.INFO,
) -> None:
    """Serve the HTTP API and run every integration: on start, on schedule, on demand."""
    from ocean_core.cli._serve import serve

    serve(config, host, port, log_json=log_json, log_level=log_level)


@app.command()
def validate(
    config: ConfigOption = DEFAULT_CONFIG,
    integration: IntegrationOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the config and every mapping (keys, jq, kinds) without fetching or writing,
    with the changes made through the API, if the catalog has any."""
    from ocean_core.cli._validate import validate as check

    check(config, integration, as_json)


@app.command("try")
def try_(
    kind: Annotated[str, typer.Argument(help="The kind to fetch.", show_default=False)],
    config: ConfigOption = DEFAULT_CONFIG,
    integration: IntegrationOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Items to show.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Fetch the first items of one kind and show, for each, the raw item, the selector's
    verdict, every mapped field and the errors; nothing is written."""
    from ocean_core.cli._try import try_it

    if not try_it(config, kind, integration, limit, as_json):
        raise typer.Exit(1)
