"""Logging for the ``ocean`` commands: loguru to stderr, as text or one JSON object per line.

Every line logged during a resync carries ``integration_id``, ``run_id``, ``generation`` and,
inside a kind, ``kind`` (bound by the engine with ``logger.contextualize``). In text mode they
are printed in brackets; in JSON mode they are in ``record.extra``.
"""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from typing import TYPE_CHECKING

from loguru import logger

if TYPE_CHECKING:
    from loguru import Record

_CONTEXT = ("integration_id", "run_id", "generation", "kind")


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
        logger.add(STDERR, level=level, serialize=True)
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
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())
