"""``ocean --help`` and ``ocean --version`` start without the heavy modules: the commands import
what they run when they run (the figure is in docs/operations.md; this checks the cause, not a
time)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest

from tests.cli._helpers import clean_env, invoke, ocean_script

HEAVY = ("fastapi", "uvicorn", "starlette", "psycopg", "jq", "rich", "httpx",
         "prometheus_client", "ocean_core.engine", "ocean_core.catalog", "ocean_core.service")

_PROBE = """
import sys
from ocean_core.cli import app
try:
    app({args!r})
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.split(".")[0] in {roots!r} or m in {heavy!r}))
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["resync", "--help"],
                                  ["runs", "--help"], ["config", "reset", "--help"]])
def test_help_and_version_import_no_heavy_module(args: list[str]) -> None:
    roots = sorted({name.split(".")[0] for name in HEAVY if "." not in name})
    probe = _PROBE.format(args=args, roots=roots, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=clean_env(), timeout=60, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def test_version_prints_the_installed_version() -> None:
    result = invoke("--version")
    proc = subprocess.run([str(ocean_script()), "--version"], capture_output=True, text=True,
                          env=clean_env(), timeout=60, check=False)

    assert result.exit_code == 0 and result.stdout == f"ocean {version('ocean-core')}\n"
    assert proc.returncode == 0 and proc.stdout == result.stdout
