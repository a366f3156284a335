"""The limits every item meets, on every path (jq, the fast path, ``Entity``) and every catalog.

A value past one of them is an item error of its kind (rule 3): the kind's other items are
written and the next kind runs. They are checked in the engine, before any write, so that
SQLite, PostgreSQL and the memory catalog refuse the same items with the same message (left to
the databases, PostgreSQL alone refused a long identifier, failing its whole page).

- ``MAX_DEPTH``: arrays and objects nested in one another. orjson, which writes every stored
  value and the text jq reads, stops at this depth; the fast path counts the same levels, so
  no path recurses further (Python's own recursion limit is about 1,000).
- Object keys are strings, as in JSON (a Python ``dict`` may hold an ``int`` key).
- ``MAX_IDENTIFIER_BYTES`` and ``MAX_BLUEPRINT_BYTES``, in UTF-8: the key fits PostgreSQL's
  B-tree index row (about 2,700 bytes) with room for the integration id.
- ``MAPPING_TIMEOUT``: an expression only the jq library evaluates runs in a worker process
  (``mapping._pool``), killed when one item takes longer; each field takes the first output.
"""

from __future__ import annotations

MAX_DEPTH = 254
"""Deepest nesting of arrays and objects in an item or a stored value (orjson's own limit)."""
MAX_IDENTIFIER_BYTES = 1024
MAX_BLUEPRINT_BYTES = 256
MAPPING_TIMEOUT = 30.0
"""Seconds one item's jq evaluation may take in a worker process (``mapping_timeout``)."""

TOO_DEEP = f"a value is nested deeper than {MAX_DEPTH} levels of arrays and objects"
_ORJSON_TOO_DEEP = "Recursion limit reached"
_ORJSON_KEY = "Dict key must be str"


class ItemLimitError(ValueError):
    """An item breaks one of the limits; the message says which, never the whole value."""


def non_string_key(key: object) -> ItemLimitError:
    shown = repr(key)
    shown = shown if len(shown) <= 40 else shown[:40] + "..."
    return ItemLimitError(f"an object key must be a string, got {type(key).__name__} {shown}")


def json_problem(exc: Exception) -> str:
    """orjson's refusal in the words of these limits (its own words otherwise)."""
    text = str(exc)
    if _ORJSON_TOO_DEEP in text:
        return TOO_DEEP
    if _ORJSON_KEY in text:
        return "an object key is not a string (keys must be strings)"
    return text


def check_key_bytes(value: str, name: str, limit: int) -> None:
    """Raise ``ItemLimitError`` when ``value`` is longer than ``limit`` bytes of UTF-8."""
    if len(value) * 4 <= limit:  # a character is at most four bytes: the common case
        return
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise ItemLimitError(
            f"{name} is {size:,} bytes of UTF-8, more than the {limit:,} allowed"
            f" (starts {value[:40]!r})"
        )
