"""The ``ocean`` application and the options its commands share.

Only typer and the standard library are imported here and in the ``_commands_*`` modules
that declare the commands: each command imports what it runs (the engine, the API, rich) when
it runs, so ``ocean --help`` and ``ocean --version`` load none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="ocean", help="Run integrations and keep a catalog true to their sources.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    # Plain help: typer's rich help would import rich for every `--help`.
    rich_markup_mode=None,
)

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The YAML config file.", dir_okay=False)
]
IntegrationOption = Annotated[
    str | None, typer.Option("--integration", "-i", help="One integration id (default: all).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
DEFAULT_CONFIG = Path("ocean.yaml")


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("ocean-core")
        except PackageNotFoundError:  # run from a source tree that is not installed
            from ocean_core import __version__ as number
        typer.echo(f"ocean {number}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.",
    )] = False,
) -> None:
    """Run integrations and keep a catalog true to their sources."""
