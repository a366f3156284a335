"""``ocean new NAME``: scaffold an integration package whose own tests pass at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ocean_core.scaffold import Names, Scaffold, Template, check_name, scaffold


def new(
    name: Annotated[str, typer.Argument(
        help="The integration type, e.g. my-shop (package my_shop, class MyShopIntegration).",
        show_default=False,
    )],
    directory: Annotated[Path, typer.Option(
        "--directory", "-d", help="Create the NAME folder in this folder.", file_okay=False,
    )] = Path("."),
    force: Annotated[bool, typer.Option(
        "--force", help="Write into an existing non-empty NAME folder, replacing the generated "
        "files and keeping any other.",
    )] = False,
    template: Annotated[Template, typer.Option(
        "--template", "-t", help="What the integration reads: a REST API (http), JSON and CSV "
        "files in a folder (file), or the rows of a SQLite database (sql).",
    )] = Template.HTTP,
) -> None:
    """Scaffold a new integration package, with tests that pass from the start."""
    from rich.text import Text  # not at the top: `ocean --help` imports this module

    from ocean_core.cli._console import error, out
    from ocean_core.errors import ConfigError

    try:
        names = check_name(name)
        made = scaffold(names, directory / name, force=force, template=template)
    except ConfigError as exc:
        for problem in exc.problems:
            error(str(problem))
        raise typer.Exit(2) from None
    except OSError as exc:
        error(f"cannot write {exc.filename or directory / name}: {exc.strerror or exc}")
        raise typer.Exit(1) from None
    out.print(Text(_report(names, made, template)), soft_wrap=True)


def _report(names: Names, made: Scaffold, template: Template) -> str:
    folder = made.target.as_posix()
    files = "\n".join(f"  {folder}/{path.as_posix()}" for path in made.files)
    return f"""Created the integration type {names.name!r} ({names.dist}):
{files}

Next steps:
  pip install -e {folder}    # registers the type: `ocean list` shows it
  pytest {folder}            # the generated tests pass as they are
  add it to ocean.yaml:
    integrations:
      - id: {names.name}
        type: {names.name}
        config: {template.example_config}
  ocean validate --config ocean.yaml
  ocean resync --config ocean.yaml
Then replace the example kinds (team, user) with your source's: see docs/writing-an-integration.md.
"""
