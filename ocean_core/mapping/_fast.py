"""The mapping fast path: the common jq subset compiled once into plain Python callables.

The ``jq`` library costs 20-30 µs per item and field, the slowest step of a resync. Most mapping
expressions are paths, literals and a few builtins, which Python evaluates in well under a
microsecond. ``compile_fast`` returns a callable for an expression in that subset and ``None``
for any other, and the callable raises ``NeedJq`` for the rare value whose jq result depends on
details it does not model, so that the caller can always fall back to the ``jq`` library and the
output stays identical to jq's (``tests/mapping/test_fast_differential.py`` checks that).

Supported: ``.``, ``.a``, ``."a b"``, ``.["a"]``, ``.[0]``, ``.[-1]`` and chains of them; string,
number, ``true``/``false``/``null`` and ``[]`` literals; ``|``, ``//``, ``and``, ``or``,
``== != < <= > >=``, ``+ - * /``, unary ``-``; ``[e]``, ``{a: e, "b": e, c}``, ``"x\\(e)y"``;
``if C then A (elif C then A)* (else B)? end``; ``select(e)``, ``map(e)``, ``tostring``,
``tonumber``, ``length``, ``keys``, ``ascii_downcase``, ``ascii_upcase``, ``not``, ``type``,
``first``, ``last``, ``add``, ``split(e)``, ``join(e)``, ``startswith(e)``, ``endswith(e)``,
``ltrimstr(e)``, ``rtrimstr(e)``, ``has("k")``/``has(n)``, ``test("re")`` for plain patterns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocean_core.mapping._fast_eval import build
from ocean_core.mapping._fast_parse import Unsupported, parse
from ocean_core.mapping._fast_values import (
    EMPTY,
    MAX_SAFE_INT,
    FastJqError,
    NeedJq,
    normalize,
)

__all__ = ["FastJqError", "NeedJq", "compile_fast"]

FastFn = Callable[[Any], Any]


def compile_fast(expression: str) -> FastFn | None:
    """A callable giving the first output of ``expression`` on an input, or ``None`` when it has
    no output: exactly what jq gives for ``[(expression)] | .[0]``. It raises ``FastJqError``
    where jq raises an error and ``NeedJq`` where unsure. Returns ``None`` (at compile time) when
    the expression is outside the supported subset or is not valid jq."""
    try:
        node = parse(expression)
        fn = build(node)
    except (Unsupported, RecursionError):
        return None
    if not _jq_accepts(expression):
        return None
    keys = _plain_path(node)
    if keys is not None:
        return _field(keys[0]) if len(keys) == 1 else _path(keys)
    return _finish(fn)


def _plain_path(node: Any) -> tuple[str, ...] | None:
    """``.a.b.c`` as ``("a", "b", "c")``; None for anything but string keys from ``.``."""
    keys: list[str] = []
    while node.kind == "index" and type(node.value) is str:
        keys.append(node.value)
        node = node.kids[0]
    return tuple(reversed(keys)) if keys and node.kind == "identity" else None


def _jq_accepts(expression: str) -> bool:
    """Our parser is lenient in places where jq's grammar is not (e.g. what an object value may
    be): only an expression jq itself compiles may get a fast callable."""
    import jq

    try:
        jq.compile(expression)
    except ValueError:
        return False
    return True


def _finish(fn: FastFn) -> FastFn:
    def run(value: Any) -> Any:
        got = fn(value)
        return None if got is EMPTY else normalize(got)

    return run


def _field(key: str) -> FastFn:
    """``.key``, the most common mapping by far, without the generic layers."""

    def field(value: Any) -> Any:
        if type(value) is dict:
            got: Any = value.get(key)
            kind = type(got)  # the common scalars as ``normalize`` gives them, without a call
            if (kind is str and got.isascii()) or kind is bool or got is None or (
                kind is int and -MAX_SAFE_INT <= got <= MAX_SAFE_INT
            ):
                return got
            return normalize(got)
        if value is None:
            return None
        raise FastJqError(f"Cannot index {type(value).__name__} with string")

    return field


def _path(keys: tuple[str, ...]) -> FastFn:
    """``.a.b.c``, the next most common mapping, without the generic layers."""

    def path(value: Any) -> Any:
        for key in keys:
            if type(value) is dict:
                value = value.get(key)
            elif value is not None:
                raise FastJqError(f"Cannot index {type(value).__name__} with string")
        kind = type(value)
        if (kind is str and value.isascii()) or kind is bool or value is None or (
            kind is int and -MAX_SAFE_INT <= value <= MAX_SAFE_INT
        ):
            return value
        return normalize(value)

    return path
