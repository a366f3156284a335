"""The ``ocean`` command. Exit codes: 0 ok, 1 a resync failed or aborted, 2 usage or config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import anyio
import typer
from loguru import logger
from rich.live import Live
from rich.text import Text

from ocean_core._types import ResyncStatus, Trigger
from ocean_core.api import require_token
from ocean_core.assembly import (
    ValidatedIntegration,
    build_ocean,
    open_catalog,
    validate_integrations,
)
from ocean_core.catalog import Catalog
from ocean_core.cli import _display
from ocean_core.cli._console import err, out
from ocean_core.cli._console import error as _error
from ocean_core.cli._console import run_async as _run
from ocean_core.cli._new import new
from ocean_core.cli._remote import resync_remote
from ocean_core.cli._sail import sail as serve
from ocean_core.cli._status import StatusRow, status_rows, status_view
from ocean_core.config import LoadedConfig, load_config
from ocean_core.errors import ConfigError, ConfigProblem
from ocean_core.logs import STDERR, LogLevel, configure_logging
from ocean_core.ocean import Ocean
from ocean_core.plugins import installed_types, load_type
from ocean_core.results import ResyncResult

app = typer.Typer(
    name="ocean", help="Run integrations and keep a catalog true to their sources.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The YAML config file.", dir_okay=False)
]
IntegrationOption = Annotated[
    str | None, typer.Option("--integration", "-i", help="One integration id (default: all).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def main() -> None:
    """Console-script entry point."""
    logger.remove()
    logger.add(STDERR, level="WARNING")
    logger.enable("ocean_core")
    app()


def _selected(config: LoadedConfig, integration: str | None) -> list[int]:
    items = config.settings.integrations
    if integration is None:
        if not items:
            raise ConfigError.single("integrations", "no integrations configured")
        return list(range(len(items)))
    try:
        config.settings.integration(integration)  # raises with the configured ids
    except ConfigError as exc:
        source = str(config.path)
        raise ConfigError(
            [ConfigProblem(p.field, p.message, p.source or source) for p in exc.problems]
        ) from None
    return [i for i, item in enumerate(items) if item.id == integration]


async def _resync_one(
    ocean: Ocean, plan: bool, live: bool, incremental: bool = False
) -> ResyncResult:
    if not live:
        return await ocean.resync(Trigger.CLI, plan_only=plan, incremental=incremental)
    async with ocean:
        ocean.trigger(Trigger.CLI, plan_only=plan, incremental=incremental)
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


@app.command()
def resync(
    config: ConfigOption = Path("ocean.yaml"),
    integration: IntegrationOption = None,
    plan: Annotated[
        bool, typer.Option("--plan", help="Sync, then show what a clean run would delete.")
    ] = False,
    as_json: JsonOption = False,
    api: Annotated[str | None, typer.Option(
        "--api", help="Trigger on a running `ocean sail` at this URL instead of running here.",
    )] = None,
    token: Annotated[str | None, typer.Option(
        "--token", envvar="OCEAN_API_TOKEN", show_envvar=True,
        help="The API's bearer token (default: api.token of --config, if the file exists).",
    )] = None,
    detach: Annotated[bool, typer.Option(
        "--detach", help="With --api: print the run handles and return without waiting.",
    )] = False,
    incremental: Annotated[bool, typer.Option(
        "--incremental", help="Only the kinds with a cursor, each from its last committed"
        " cursor; no sweep (rule 9).",
    )] = False,
) -> None:
    """Run one resync of each selected integration, with live progress and a summary."""
    if plan and incremental:
        _error("--plan shows what a full run would delete; it cannot be --incremental")
        raise typer.Exit(2)
    if api is not None:
        if plan:
            _error("--plan runs locally; it cannot be combined with --api")
            raise typer.Exit(2)
        if not resync_remote(api, token or _config_token(config), integration, as_json,
                             detach, incremental=incremental):
            raise typer.Exit(1)
        return

    async def work() -> list[ResyncResult]:
        loaded = load_config(config)
        indexes = _selected(loaded, integration)
        # Every unset variable these runs need, at once; none of the API or other integrations.
        loaded.require("catalog", *(f"integrations[{i}]" for i in indexes))
        catalog = open_catalog(loaded)
        oceans = [build_ocean(loaded, i, catalog) for i in indexes]  # validate all first
        results = []
        try:
            for ocean in oceans:
                result = await _resync_one(ocean, plan, live=not as_json and err.is_terminal,
                                           incremental=incremental)
                results.append(result)
                if not as_json:
                    out.print(_display.summary(result))
                    if plan:
                        await _print_plan(catalog, result)
        finally:
            await catalog.close()
        return results

    results = _run(work)
    if as_json:
        out.print_json(json.dumps([r.model_dump(mode="json") for r in results]))
    if any(r.status is not ResyncStatus.SUCCEEDED for r in results):
        raise typer.Exit(1)


def _config_token(config: Path) -> str | None:
    if not config.is_file():
        return None
    try:
        secret = load_config(config).settings.api.token
    except ConfigError:
        return None
    return secret.get_secret_value() if secret else None


@app.command()
def sail(
    config: ConfigOption = Path("ocean.yaml"),
    host: Annotated[str | None, typer.Option(help="Bind address (default: api.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: api.port).")] = None,
    log_json: Annotated[bool, typer.Option(
        "--log-json", help="One JSON object per log line (with integration, run, kind).",
    )] = False,
    log_level: Annotated[LogLevel, typer.Option(case_sensitive=False)] = LogLevel.INFO,
) -> None:
    """Serve the HTTP API and run every integration: on start, on schedule, on demand."""
    configure_logging(json=log_json, level=log_level.value)

    async def work() -> None:
        loaded = load_config(config)
        everything = list(range(len(loaded.settings.integrations)))
        _valid, problems = validate_integrations(loaded, everything)
        problems = list(dict.fromkeys([*loaded.problems_for(), *problems]))  # unset variables too
        if problems:  # every problem of every integration, before anything starts
            raise ConfigError(problems)
        require_token(loaded)
        await serve(loaded, host, port)

    _run(work)


@app.command()
def validate(
    config: ConfigOption = Path("ocean.yaml"),
    integration: IntegrationOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check the config and every mapping (keys, jq, kinds) without fetching or writing."""

    async def work() -> tuple[list[ValidatedIntegration], list[ConfigProblem]]:
        loaded = load_config(config)
        valid, problems = validate_integrations(loaded, _selected(loaded, integration))
        # The whole file's unset variables; of one integration, those it and its catalog need.
        unset = loaded.problems_for(*(() if integration is None else ("catalog",)))
        return valid, list(dict.fromkeys([*unset, *problems]))

    valid, problems = _run(work)
    if as_json:
        payload = {
            "ok": not problems,
            "integrations": [vars(v) for v in valid],
            "problems": [
                {"source": p.source, "field": p.field, "message": p.message, "text": str(p)}
                for p in problems
            ],
        }
        out.print_json(json.dumps(payload))
    else:
        for item in valid:
            kinds = ", ".join(item.kinds) or "none"
            out.print(
                Text(f"ok {item.integration_id} ({item.type}): mapping {item.mapping},"
                     f" {item.resources} resource(s), kinds: {kinds}"),
                soft_wrap=True,
            )
        for problem in problems:
            _error(str(problem))
    if problems:
        raise typer.Exit(2)


async def _print_plan(catalog: Catalog, result: ResyncResult) -> None:
    if result.would_delete is None:
        return
    stale = await catalog.stale_entities(result.integration_id, result.generation, limit=20)
    out.print(f"plan: a clean run would delete {result.would_delete:,} entities")
    if stale:
        out.print(_display.entities_table(stale))


@app.command()
def entities(
    config: ConfigOption = Path("ocean.yaml"),
    integration: IntegrationOption = None,
    blueprint: Annotated[str | None, typer.Option(help="Only this blueprint.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List entities in the catalog."""

    async def work() -> list[Any]:
        loaded = load_config(config)
        catalog = open_catalog(loaded)
        try:
            return await catalog.list_entities(
                integration, blueprint=blueprint, kind=kind, limit=limit
            )
        finally:
            await catalog.close()

    found = _run(work)
    if as_json:
        out.print_json(json.dumps([_entity_json(e) for e in found]))
    else:
        out.print(_display.entities_table(found))


def _entity_json(entity: Any) -> dict[str, Any]:
    fields = ("integration_id", "kind", "blueprint", "identifier", "title", "properties")
    return {name: getattr(entity, name) for name in (*fields, "relations")}


@app.command()
def status(config: ConfigOption = Path("ocean.yaml"), as_json: JsonOption = False) -> None:
    """Each integration's generation, last run, schedules and last cursor per kind."""

    async def work() -> list[StatusRow]:
        loaded = load_config(config)
        catalog = open_catalog(loaded)
        try:
            return await status_rows(loaded, catalog)
        finally:
            await catalog.close()

    rows = _run(work)
    if as_json:
        out.print_json(json.dumps([row.as_json() for row in rows]))
    else:
        out.print(status_view(rows))


@app.command("list")
def list_types(as_json: JsonOption = False) -> None:
    """Installed integration types and their kinds."""
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
    from rich.table import Table

    table = Table()
    for column in ("type", "kinds", "config fields", "class"):
        table.add_column(column)
    for row in rows:
        kinds_text: str = ", ".join(row.get("kinds", [])) or "(from config)"
        config_text: str = ", ".join(row.get("config", []))
        where: str = row.get("class", row.get("error", ""))
        table.add_row(Text(row["type"]), Text(kinds_text), Text(config_text), Text(where))
    out.print(table)


app.command("new")(new)
