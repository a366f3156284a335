"""Where the ``ocean`` command writes, and how its errors end it: one ``error:`` line each;
exit code 2 for a usage or config error, 1 for any other failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import typer
from rich.console import Console
from rich.text import Text

from ocean_core.errors import ConfigError, OceanError

T = TypeVar("T")

out = Console()
err = Console(stderr=True)


def error(message: str) -> None:
    """One line on stderr: a multi-line message (a jq or YAML error) is joined, and the text is
    never read as rich markup (a value such as ``[/x]`` is printed as it is)."""
    lines = (line.strip() for line in message.splitlines())
    text = " ".join(line for line in lines if line.strip("^ "))
    err.print(Text.assemble(("error:", "red"), " ", text), highlight=False, soft_wrap=True)


def run_async(fn: Callable[[], Awaitable[T]]) -> T:
    """Run async CLI work; configuration problems end in one line each and exit code 2."""
    try:
        return anyio.run(fn)
    except ConfigError as exc:
        for problem in exc.problems:
            error(str(problem))
        raise typer.Exit(2) from None
    except OceanError as exc:
        error(str(exc))
        raise typer.Exit(1) from None
