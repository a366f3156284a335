"""Shared helpers of the CLI tests: config files, invoking ``ocean`` and reading its output."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner, Result

from ocean_core.cli import app

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def fake(integration_id: str = "demo", **config: Any) -> dict[str, Any]:
    """One ``fake`` integration instance of a config file."""
    return {"id": integration_id, "type": "fake", "config": config}


def write_config(
    folder: Path,
    *integrations: dict[str, Any],
    catalog: str = "sqlite:///ocean.db",
    name: str = "ocean.yaml",
    **top: Any,
) -> Path:
    """Write a config file into ``folder`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data: dict[str, Any] = {"catalog": catalog, "integrations": list(integrations), **top}
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def invoke(*args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    """Run ``ocean ARGS`` in this process; an unexpected exception fails the test."""
    result = CliRunner().invoke(app, [str(a) for a in args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def flat(text: str) -> str:
    """Text without colour codes and with all whitespace (table wrapping too) as one space."""
    return " ".join(_ANSI.sub("", text).split())


def json_out(result: Result) -> Any:
    return json.loads(result.stdout)


def error_lines(result: Result) -> list[str]:
    """The non-empty lines the command wrote to stderr."""
    return [line for line in _ANSI.sub("", result.stderr).splitlines() if line.strip()]


def assert_one_config_error(result: Result, *needles: str) -> str:
    """Exit 2 and exactly one ``error:`` line on stderr that contains every needle."""
    lines = error_lines(result)
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("error: "), line
    for needle in needles:
        assert needle in line, (needle, line)
    return line


def ocean_script() -> Path:
    """The real ``ocean`` console script of the interpreter running the tests."""
    beside = Path(sys.executable).parent / "ocean"
    if beside.exists():
        return beside
    found = shutil.which("ocean")
    assert found is not None, "the ocean console script is not installed"
    return Path(found)


def clean_env() -> dict[str, str]:
    """The process environment without any ``OCEAN_`` override."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OCEAN_")}


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the rich tables in ``text``, as lists of cell texts."""
    rows = []
    for line in _ANSI.sub("", text).splitlines():
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip("│").split("│")])
    return rows


def row_of(text: str, first: str) -> list[str]:
    """The one table row whose first cell is ``first``."""
    found = [r for r in table_rows(text) if r and r[0] == first]
    assert len(found) == 1, (first, table_rows(text))
    return found[0]
