"""Logging for the ``ocean`` commands: loguru to stderr, as text or one JSON object per line.

Every line logged during a resync carries ``integration_id``, ``run_id``, ``generation``,
``mode`` (``full`` or ``incremental``) and, inside a kind, ``kind`` (bound by the engine with
``logger.contextualize``). In text mode they
are printed in brackets; in JSON mode they are top-level fields of a flat object
(``JSON_FIELDS``, documented in docs/operations.md)::

    {"time": "2026-11-24T21:38:23.378Z", "level": "ERROR", "message": "resync failed: ...",
     "logger": "ocean_core.engine._outcome", "integration_id": "demo", "run_id": "05d5...",
     "generation": 2, "mode": "full"}
"""

from __future__ import annotations

import logging
import sys
import traceback
from datetime import UTC
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import orjson
from loguru import logger

if TYPE_CHECKING:
    from loguru import Message, Record

_CONTEXT = ("integration_id", "run_id", "generation", "mode", "kind")
JSON_FIELDS = ("time", "level", "message", "logger", *_CONTEXT, "exception")
"""The fields of a ``--log-json`` line, in this order; a context field or ``exception`` only
when the line has one."""
_ORIGIN = "std_logger"
"""Where ``_ToLoguru`` keeps a standard-library record's logger name (``uvicorn.access``)."""


class LogLevel(StrEnum):
    """The levels both loguru and the standard library know."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


def configure_logging(*, json: bool = False, level: LogLevel | str = LogLevel.INFO) -> None:
    """Send ocean_core's logs (and uvicorn's, through the standard library) to stderr."""
    level = LogLevel(level).value
    logger.remove()
    logger.enable("ocean_core")
    if json:
        logger.add(_write_json, level=level, format="{message}")
    else:
        logger.add(STDERR, level=level, format=_text_format, colorize=None)
    logging.basicConfig(handlers=[_ToLoguru()], level=level, force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        std = logging.getLogger(name)
        std.handlers, std.propagate = [], True


class _CurrentStderr:
    """Whatever ``sys.stderr`` is when a line is written, not when logging was configured: a
    caller that swaps the stream (a test runner capturing a command's output) and closes its
    own afterwards never leaves a handler writing to a closed stream."""

    def write(self, text: str) -> None:
        sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


STDERR = _CurrentStderr()


def json_line(record: Record) -> str:
    """One log record as one line of flat JSON (``JSON_FIELDS``): UTC time with milliseconds,
    the level's name, the message, the logger (module) name, the context fields, and the
    exception with its traceback as text. A value JSON cannot hold is written as its text."""
    extra = record["extra"]
    line: dict[str, Any] = {
        "time": record["time"].astimezone(UTC).isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "level": record["level"].name,
        "message": record["message"],
        "logger": extra.get(_ORIGIN) or record["name"],
    }
    line.update((key, extra[key]) for key in _CONTEXT if key in extra)
    caught = record["exception"]
    if caught is not None and caught.type is not None:
        line["exception"] = "".join(
            traceback.format_exception(caught.type, caught.value, caught.traceback)).rstrip()
    return orjson.dumps(line, default=str).decode()


def _write_json(message: Message) -> None:
    STDERR.write(json_line(message.record) + "\n")


def _text_format(record: Record) -> str:
    extra = record["extra"]
    context = " ".join(f"{key}={extra[key]}" for key in _CONTEXT if key in extra)
    context = context.replace("<", "\\<")  # an id is text, never colour markup
    where = f" <cyan>[{context}]</cyan>" if context else ""
    return (
        "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> <level>{level: <7}</level>"
        + where.replace("{", "{{").replace("}", "}}")
        + " {message}\n{exception}"
    )


class _ToLoguru(logging.Handler):
    """Forwards standard-library records (uvicorn's) to loguru, keeping level and origin."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).bind(**{_ORIGIN: record.name}).log(
            level, record.getMessage())
