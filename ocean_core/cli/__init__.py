"""The ``ocean`` command. Exit codes: 0 ok, 1 a resync failed or aborted, 2 usage or config.

The commands are declared in ``_commands_run`` and ``_commands_read`` and import what they run
only when they run, so ``ocean --help`` imports no engine, API, database driver, jq or rich
(``tests/cli/test_startup.py`` checks it).
"""

from __future__ import annotations

from ocean_core.cli import _commands_read, _commands_run
from ocean_core.cli._app import app
from ocean_core.cli._new import new

__all__ = ["app", "main"]

app.command("new")(new)
_COMMANDS = (_commands_read, _commands_run)  # imported for the commands they declare


def main() -> None:
    """Console-script entry point."""
    from loguru import logger

    from ocean_core.logs import STDERR

    logger.remove()
    logger.add(STDERR, level="WARNING")
    logger.enable("ocean_core")
    app()
