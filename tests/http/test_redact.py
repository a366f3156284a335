"""Secrets never reach a log line or an error message."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from loguru import logger

from ocean_core.http import Redactor, TransientHTTPError, create_client, raise_for_status
from tests.http.support import VirtualTime, policy, scripted

TOKEN = "ghp_s3cr3tT0ken"


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Loguru output of ocean_core, which is disabled at import until an application asks."""
    lines: list[str] = []
    logger.enable("ocean_core")
    sink = logger.add(lines.append, level="WARNING", format="{message} | {extra}")
    try:
        yield lines
    finally:
        logger.remove(sink)
        logger.disable("ocean_core")


@pytest.mark.anyio
async def test_secrets_are_redacted_in_logs_and_errors(log_lines: list[str]) -> None:
    time = VirtualTime()
    echo = f"invalid credentials for {TOKEN}"
    transport, _ = scripted([httpx.Response(500, text=echo), httpx.Response(500, text=echo)])
    headers = {"Authorization": f"Bearer {TOKEN}"}
    retry = policy(time, attempts=2)
    async with create_client("https://api.example.com", headers=headers, retry=retry,
                             secrets=["hunter22"], transport=transport) as client:
        with pytest.raises(TransientHTTPError) as caught:
            raise_for_status(await client.get("/x/hunter22", params={"access_token": "abc123"}))
    message = str(caught.value)
    assert TOKEN not in message and "hunter22" not in message and "abc123" not in message
    assert "access_token=***" in message and "/x/***" in message
    assert len(log_lines) == 1
    assert all(s not in log_lines[0] for s in (TOKEN, "hunter22", "abc123"))
    assert "retrying GET https://api.example.com/x/***?access_token=***" in log_lines[0]


@pytest.mark.anyio
async def test_auth_flow_credentials_are_redacted(log_lines: list[str]) -> None:
    time = VirtualTime()
    transport, _ = scripted([httpx.ConnectError(f"refused, sent {TOKEN}")] * 2)
    retry = policy(time, attempts=2)
    async with create_client("https://api.example.com", auth=("bot", TOKEN), retry=retry,
                             transport=transport) as client:
        with pytest.raises(TransientHTTPError) as caught:
            await client.get("/x")
    assert TOKEN not in str(caught.value) and "***" in str(caught.value)
    assert TOKEN not in log_lines[0]


def test_url_rules() -> None:
    redact = Redactor(["topsecret"]).url
    assert redact("https://u:pw@h/p?api_key=1&page=2&Signature=x#f") == (
        "https://u:***@h/p?api_key=***&page=2&Signature=***#f"
    )
    assert redact("https://h/topsecret?q=topsecret") == "https://h/***?q=***"


def test_short_secrets_are_ignored_rather_than_masking_words() -> None:
    assert Redactor(["", "a"]).text("a cat") == "a cat"
