"""``--log-json``: one flat object per line, with the documented fields only."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from ocean_core.logs import JSON_FIELDS, configure_logging

DOCS = Path(__file__).parents[1] / "docs" / "operations.md"


@pytest.fixture
def json_lines(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    configure_logging(json=True, level="DEBUG")
    try:
        yield capsys
    finally:  # as the test session had it: the library quiet, the standard library untouched
        logger.remove()
        logger.disable("ocean_core")
        root = logging.getLogger()
        root.handlers.clear()
        root.setLevel(logging.WARNING)


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_a_line_is_flat_with_its_context_and_exception_at_the_top(
    json_lines: pytest.CaptureFixture[str],
) -> None:
    with logger.contextualize(integration_id="demo", run_id="r1", generation=2, mode="full",
                              kind="team"):
        try:
            raise ZeroDivisionError("division by zero")
        except ZeroDivisionError:
            logger.exception("resync failed: {}", "boom")
        logger.info("no exception here")

    failed, plain = _lines(json_lines)
    assert list(failed) == list(JSON_FIELDS)  # every field, in the documented order
    assert (failed["level"], failed["message"], failed["logger"]) == (
        "ERROR", "resync failed: boom", __name__)
    assert (failed["integration_id"], failed["run_id"], failed["generation"], failed["mode"],
            failed["kind"]) == ("demo", "r1", 2, "full", "team")
    assert str(failed["time"]).endswith("Z") and "T" in str(failed["time"])
    exception = str(failed["exception"])
    assert exception.startswith("Traceback") and "ZeroDivisionError: division by zero" in exception
    assert "exception" not in plain and plain["level"] == "INFO"


def test_no_nested_record_no_icon_and_the_standard_library_named(
    json_lines: pytest.CaptureFixture[str],
) -> None:
    logger.warning("outside any run")
    logging.getLogger("uvicorn.access").warning("GET /health")

    ours, theirs = _lines(json_lines)
    for line in (ours, theirs):
        assert set(line) == {"time", "level", "message", "logger"}, line
        assert all(isinstance(value, str) and value.isascii() for value in line.values()), line
    assert theirs["logger"] == "uvicorn.access" and theirs["message"] == "GET /health"


def test_the_schema_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in JSON_FIELDS)
