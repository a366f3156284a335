"""Security: secrets declared ``SecretStr`` in a config model never reach logs, errors or API
responses. (Every route but ``/health`` needing the token: ``tests/service/test_api_auth.py``;
``ocean new`` refusing path traversal: ``test_ocean_new_refuses_path_traversal`` below.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from loguru import logger

from tests.cli._helpers import invoke
from tests.reliability._secret import SECRET, SECRETIVE
from tests.reliability._support import record
from tests.service.conftest import serving
from tests.service.support import write_config

pytestmark = pytest.mark.anyio


async def test_a_secret_never_appears_in_logs_errors_or_responses(tmp_path: Path) -> None:
    captured: list[str] = []
    sink = logger.add(lambda m: captured.append(str(m) + repr(m.record["extra"])), level=0,
                      backtrace=True, diagnose=True)
    bodies: list[str] = []
    try:
        config = write_config(tmp_path, {"id": "s", "type": SECRETIVE,
                                         "config": {"token": SECRET + "-long-enough-x"}})
        async with serving(config) as served:
            await served.idle("s")
            client = served.client
            for path in ("/api/integrations", "/api/integrations/s",
                         "/api/integrations/s/resyncs", "/api/entities", "/metrics"):
                bodies.append((await client.get(path)).text)
            for change in ({"config": {"token": SECRET}},  # too short: a validation error
                           {"config": {"token": SECRET + "-long-enough-x", "colour": "red"}},
                           {"config": {"token": SECRET + "-long-enough-x", "fail": True}}):
                bodies.append((await client.patch("/api/integrations/s", json=change)).text)
            await served.idle("s")
            bodies.append((await client.get("/api/integrations/s/resyncs")).text)
            bodies.append((await client.get("/api/integrations/s")).text)
    finally:
        logger.remove(sink)
    leaks = [b for b in bodies + captured if SECRET in b]
    record("security", responses_and_errors_checked=len(bodies), log_lines_checked=len(captured),
           secret_leaks=len(leaks))
    assert not leaks, leaks[:3]


def test_a_secret_is_not_echoed_by_a_config_error(tmp_path: Path) -> None:
    short = write_config(tmp_path, {"id": "s", "type": SECRETIVE, "config": {"token": SECRET}})
    result = invoke("resync", "--config", str(short))
    assert result.exit_code == 2 and "integrations[0].config.token" in result.output
    assert SECRET not in result.output, result.output


@pytest.mark.parametrize("name", ["../escape", "/tmp/abs", "a/../../b", "..", "x/y"])
def test_ocean_new_refuses_path_traversal(name: str, tmp_path: Path) -> None:
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    result = invoke("new", name, "--directory", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "NAME" in result.output
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before
    assert list(tmp_path.iterdir()) == []
