"""No output channel repeats a secret, whatever is wrong with the config around it: the bad-input
catalogue of ``_secret.py`` (a missing sibling, a misspelt secret key, a secret of the wrong
type, a secret inside a nested model or a list) goes through every command that reads a config
(``ocean validate``, ``validate --json``, ``resync``, ``status``), the exceptions the library
raises (message, repr and formatted traceback), ``PATCH /api/integrations/{id}`` and every log
line written meanwhile; none may hold the secret."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from loguru import logger

from ocean_core.assembly import build_ocean
from ocean_core.catalog import MemoryCatalog
from ocean_core.config import load_config
from ocean_core.errors import ConfigError
from tests.cli._helpers import invoke
from tests.reliability._secret import BAD_CONFIGS, BAD_FILES, LONG, SECRET, SECRETIVE
from tests.reliability._support import record
from tests.service.conftest import serving
from tests.service.support import TOKEN, write_config

COMMANDS = (("validate",), ("validate", "--json"), ("resync",), ("status",))


@contextmanager
def _logged() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m) + repr(m.record["extra"])), level=0,
                      backtrace=True, diagnose=True)
    try:
        yield lines
    finally:
        logger.remove(sink)


def _file(folder: Path, top: dict[str, Any], config: Any = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    item = {"id": "s", "type": SECRETIVE, "config": {"token": LONG} if config is None else config}
    data = {"catalog": "sqlite:///ocean.db", "api": {"token": TOKEN}, **top, "integrations": [item]}
    path = folder / "ocean.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _cli_outputs(path: Path) -> tuple[list[str], int]:
    """What every command printed, and how many of them refused the config."""
    outputs, refused = [], 0
    for command in COMMANDS:
        result = invoke(*command, "--config", path)
        outputs.append(result.stdout + result.stderr)
        refused += result.exit_code == 2
    return outputs, refused


def _raised(path: Path) -> list[str]:
    """The text of what loading the file and building its integration raise."""
    try:
        build_ocean(load_config(path), 0, MemoryCatalog())
    except ConfigError as exc:
        return [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    raise AssertionError(f"{path} was not refused")


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_no_command_nor_exception_echoes_a_secret_of_an_integration_config(
    tmp_path: Path, case: str
) -> None:
    path = _file(tmp_path, {}, BAD_CONFIGS[case])
    with _logged() as lines:
        outputs, refused = _cli_outputs(path)
        raised = _raised(path)

    assert refused >= 3, outputs  # validate, validate --json and resync refuse it
    checked = outputs + raised + lines
    leaks = [text for text in checked if SECRET in text]
    record("secret_leaks", channels_checked=len(checked), secret_leaks=len(leaks))
    assert not leaks, leaks[:2]
    assert any("integrations[0].config" in text for text in outputs)  # the field is named


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_no_command_nor_exception_echoes_a_secret_of_the_api_settings(
    tmp_path: Path, case: str
) -> None:
    path = _file(tmp_path, BAD_FILES[case])
    with _logged() as lines:
        outputs, refused = _cli_outputs(path)
        raised = _raised(path)

    assert refused == len(COMMANDS), outputs
    checked = outputs + raised + lines
    leaks = [text for text in checked if SECRET in text]
    record("secret_leaks", channels_checked=len(checked), secret_leaks=len(leaks))
    assert not leaks, leaks[:2]
    assert all("api" in text for text in outputs)


@pytest.mark.anyio
async def test_no_api_answer_echoes_a_secret_of_a_changed_config(tmp_path: Path) -> None:
    bodies: list[str] = []
    with _logged() as lines:
        async with serving(write_config(tmp_path, {"id": "s", "type": SECRETIVE,
                                                   "config": {"token": LONG}})) as served:
            await served.idle("s")
            for case in sorted(BAD_CONFIGS):
                response = await served.client.patch(
                    "/api/integrations/s", json={"config": BAD_CONFIGS[case]})
                assert response.status_code == 422, (case, response.text)
                bodies.append(response.text)
            bodies.append((await served.client.get("/api/integrations/s")).text)
            bodies.append((await served.client.get("/api/integrations/s/resyncs")).text)

    checked = bodies + lines
    leaks = [text for text in checked if SECRET in text]
    record("secret_leaks", channels_checked=len(checked), secret_leaks=len(leaks))
    assert not leaks, leaks[:2]
