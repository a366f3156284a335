"""``ocean sail``'s checks before it serves: the whole config, every integration, the token."""

from __future__ import annotations

from pathlib import Path

from ocean_core.api import require_token
from ocean_core.assembly import validate_integrations
from ocean_core.cli._console import run_async
from ocean_core.cli._sail import sail
from ocean_core.config import load_config
from ocean_core.errors import ConfigError
from ocean_core.logs import LogLevel, configure_logging


def serve(config: Path, host: str | None, port: int | None, *, log_json: bool,
          log_level: LogLevel) -> None:
    configure_logging(json=log_json, level=log_level.value)

    async def work() -> None:
        loaded = load_config(config)
        everything = list(range(len(loaded.settings.integrations)))
        _valid, problems = validate_integrations(loaded, everything)
        problems = list(dict.fromkeys([*loaded.problems_for(), *problems]))  # unset variables too
        if problems:  # every problem of every integration, before anything starts
            raise ConfigError(problems)
        require_token(loaded)
        await sail(loaded, host, port, log_json=log_json, log_level=log_level.value)

    run_async(work)
