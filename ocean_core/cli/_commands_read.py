"""The commands that read the catalog or the installation (``entities``, ``status``,
``runs``, ``list``), and ``config reset``.

Declarations only (see ``_app``): each imports its implementation when it runs.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ocean_core.cli._app import (
    DEFAULT_CONFIG,
    ConfigOption,
    IntegrationOption,
    JsonOption,
    app,
)
from ocean_core.cli._commands_run import ApiOption, TokenOption, config_token

runs_app = typer.Typer(help="Run history, newest first, and one run's whole record.",
                       rich_markup_mode=None)
config_app = typer.Typer(help="The changes made through the API to an integration's settings.",
                         rich_markup_mode=None, no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(config_app, name="config")


@app.command()
def entities(
    config: ConfigOption = DEFAULT_CONFIG,
    integration: IntegrationOption = None,
    blueprint: Annotated[str | None, typer.Option(help="Only this blueprint.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    q: Annotated[str | None, typer.Option(
        "--q", help="Only those whose identifier or title contains this (ASCII letters in"
        " any case).",
    )] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    after: Annotated[str | None, typer.Option(
        help="The cursor a previous page printed: the page after it.",
    )] = None,
    as_json: JsonOption = False,
) -> None:
    """List entities in the catalog, a page at a time (the next page's cursor goes to
    stderr); a table shows its page in natural order (service-2 before service-10)."""
    from ocean_core.cli._reads import entities as list_entities

    list_entities(config, integration, blueprint=blueprint, kind=kind, q=q, limit=limit,
                  after=after, as_json=as_json)


@app.command()
def status(config: ConfigOption = DEFAULT_CONFIG, as_json: JsonOption = False) -> None:
    """Each integration's generation, last run, schedules, last cursor per kind, and what the
    API's changes override."""
    from ocean_core.cli._reads import status as show_status

    show_status(config, as_json)


@runs_app.callback(invoke_without_command=True)
def runs(
    context: typer.Context,
    config: ConfigOption = DEFAULT_CONFIG,
    integration: IntegrationOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 20,
    before: Annotated[str | None, typer.Option(
        help="The cursor a previous page printed: the runs older than that page.",
    )] = None,
    as_json: JsonOption = False,
) -> None:
    """Run history, newest first, a page at a time (the next page's cursor goes to stderr).
    `ocean runs show RUN` prints one run's whole record."""
    if context.invoked_subcommand is not None:
        return
    from ocean_core.cli._reads import runs as list_runs

    list_runs(config, integration, limit=limit, before=before, as_json=as_json)


@runs_app.command("show")
def show_run(
    run: Annotated[str, typer.Argument(help="The run's id.", show_default=False)],
    config: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """One run's whole record: per-kind counts, errors with their tracebacks, the entities
    it deleted, why its delete phase was skipped."""
    from ocean_core.cli._reads import show_run as show

    show(config, run, as_json)


@config_app.command("reset")
def reset(
    integration: Annotated[str, typer.Argument(help="The integration's id.",
                                               show_default=False)],
    config: ConfigOption = DEFAULT_CONFIG,
    api: ApiOption = None,
    token: TokenOption = None,
) -> None:
    """Discard the changes made through the API (PATCH): the config file's settings apply
    again. Here it needs the integration's runner lock; while `ocean sail` runs it, use
    --api (which also starts a resync, as DELETE /api/integrations/ID/changes does)."""
    if api is not None:
        from ocean_core.cli._changes import reset_remote

        reset_remote(api, token or config_token(config), integration)
        return
    from ocean_core.cli._changes import reset_here

    reset_here(config, integration)


@app.command("list")
def list_types(as_json: JsonOption = False) -> None:
    """Installed integration types and their kinds."""
    import json

    from rich.table import Table
    from rich.text import Text

    from ocean_core.cli._console import out
    from ocean_core.errors import ConfigError
    from ocean_core.plugins import installed_types, load_type

    rows: list[dict[str, Any]] = []
    for name in sorted(installed_types()):
        try:
            cls = load_type(name)
            kinds = [k.name for k in cls.declared_kinds()]
            rows.append({"type": name, "class": f"{cls.__module__}.{cls.__qualname__}",
                         "kinds": kinds, "config": sorted(cls.config_model.model_fields)})
        except ConfigError as exc:
            rows.append({"type": name, "error": str(exc)})
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table()
    for column in ("type", "kinds", "config fields", "class"):
        table.add_column(column)
    for row in rows:
        kinds_text: str = ", ".join(row.get("kinds", [])) or "(from config)"
        config_text: str = ", ".join(row.get("config", []))
        where: str = row.get("class", row.get("error", ""))
        table.add_row(Text(row["type"]), Text(kinds_text), Text(config_text), Text(where))
    out.print(table)
