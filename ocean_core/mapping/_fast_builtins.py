"""The builtin-call node family of the fast path: ``length``, ``select(e)``, ``test("re")``...

Each builtin is a closure over its (already built) argument, with the same evaluation order and
errors as jq; ``_fast_eval`` builds the argument and hands it here. The names the parser
accepts come from these tables, so a builtin is parsed exactly when it can be evaluated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import ocean_core.mapping._fast_values as V
from ocean_core.mapping._fast_scan import Unsupported
from ocean_core.mapping._fast_values import EMPTY, FastJqError, NeedJq, index_value

Fn = Callable[[Any], Any]
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _select(condition: Fn) -> Fn:
    def selected(value: Any) -> Any:
        got = condition(value)
        if got is EMPTY or got is None or got is False:
            return EMPTY
        return value

    return selected


def _items(value: Any) -> list[Any]:
    """What ``.[]`` iterates: an array's elements or an object's values; others are errors."""
    if type(value) is list:
        return value
    if type(value) is dict:
        return list(value.values())
    raise FastJqError(f"Cannot iterate over {V.type_name(value)}")


def _map(fn: Fn) -> Fn:
    def mapped(value: Any) -> Any:
        out = []
        for item in _items(value):
            got = fn(item)
            if got is not EMPTY:
                out.append(got)
        return out

    return mapped


_REGEX_TOKEN = re.compile(
    r"\\[dDwWsS.\-/\\^$*+?()\[\]{}|]|\[\^?(?:[A-Za-z0-9 _\-]|\\[d.\-])+\]|[A-Za-z0-9 _\-,:/@#=]"
    r"|[.^$]|[*+?](?![*+?{])"
)


def regex_test(pattern: str) -> Fn:
    """``test("re")`` for patterns whose meaning is the same in Oniguruma and Python ``re`` on
    ASCII text without newlines; other patterns are not compiled fast, other inputs go to jq."""
    position = 0
    while position < len(pattern):
        match = _REGEX_TOKEN.match(pattern, position)
        if not match:
            raise Unsupported(f"regex {pattern!r}")
        position = match.end()
    if re.search(r"(^|[^\\])[*+?]", pattern[:1]) or "[]" in pattern:
        raise Unsupported(f"regex {pattern!r}")
    compiled = re.compile(pattern, re.ASCII)

    def tested(value: Any) -> Any:
        if type(value) is not str:
            raise FastJqError(f"{V.type_name(value)} cannot be matched, as it is not a string")
        if not value.isascii() or "\n" in value or "\r" in value:
            raise NeedJq("regex on non-ASCII or multi-line text")
        return compiled.search(value) is not None

    return tested


def _length(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is list or kind is dict:
        return len(value)
    if value is None:
        return 0
    if kind is int or kind is float:
        number = V.safe_number(value)
        return abs(number) if kind is int else V.computed(abs(number))
    raise FastJqError(f"{V.type_name(value)} has no length")


def _keys(value: Any) -> Any:
    if type(value) is dict:
        for key in value:
            V.compare(key, key)  # surrogate check
        return sorted(value)
    if type(value) is list:
        return list(range(len(value)))
    raise FastJqError(f"{V.type_name(value)} has no keys")


_INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _tonumber(value: Any) -> Any:
    """Strict JSON number text converts; text with no digit at all is an error; the rest of what
    jq's number parser accepts ("01", ".5", "nan", "infinity"...) goes to jq."""
    if type(value) in (int, float):
        return value
    if type(value) is not str:
        raise FastJqError(f"{V.type_name(value)} cannot be parsed as a number")
    if _INT_TEXT.fullmatch(value) and value != "-0":
        return V.safe_number(int(value))
    if _FLOAT_TEXT.fullmatch(value):
        return V.safe_number(float(value))
    lowered = value.lower()
    if not any(c.isdigit() for c in value) and "nan" not in lowered and "inf" not in lowered:
        raise FastJqError(f"string ({value!r}) cannot be parsed as a number")
    raise NeedJq("number text only jq's parser knows")


def _ascii_case(table: dict[int, int]) -> Fn:
    def converted(value: Any) -> Any:
        if type(value) is not str:
            raise FastJqError("explode input must be a string")
        return value.translate(table)

    return converted


def _not(value: Any) -> Any:
    return not V.truthy(value)


def _add(value: Any) -> Any:
    total: Any = None
    for item in _items(value):
        total = V.add(total, item)
    return total


NULLARY: dict[str, Fn] = {
    "tostring": V.tostring,
    "tonumber": _tonumber,
    "length": _length,
    "keys": _keys,
    "ascii_downcase": _ascii_case(_ASCII_LOWER),
    "ascii_upcase": _ascii_case(_ASCII_UPPER),
    "not": _not,
    "type": V.type_name,
    "first": lambda value: index_value(value, 0),
    "last": lambda value: index_value(value, -1),
    "add": _add,
}


def _strings(name: str, value: Any, arg: Any) -> None:
    if type(value) is not str or type(arg) is not str:
        raise FastJqError(f"{name}() requires string inputs")


def _startswith(value: Any, arg: Any) -> Any:
    _strings("startswith", value, arg)
    return bool(value.startswith(arg))


def _endswith(value: Any, arg: Any) -> Any:
    _strings("endswith", value, arg)
    return bool(value.endswith(arg))


def _ltrimstr(value: Any, arg: Any) -> Any:
    _strings("startswith", value, arg)
    return value[len(arg) :] if value.startswith(arg) else value


def _rtrimstr(value: Any, arg: Any) -> Any:
    _strings("endswith", value, arg)
    return value[: len(value) - len(arg)] if arg and value.endswith(arg) else value


def _join(value: Any, separator: Any) -> Any:
    """jq 1.7+'s ``join``: null elements are "", numbers and booleans are printed, arrays and
    objects are an error (string + array), and the separator is added with jq's ``+``."""
    out: Any = None
    for item in _items(value):
        out = "" if out is None else V.add(out, separator)
        if item is None:
            item = ""
        elif type(item) in (bool, int, float):
            item = V.tojson(item)
        out = V.add(out, item)
    return "" if out is None or out is False else out


def _has(value: Any, key: Any) -> Any:
    if type(value) is dict and type(key) is str:
        return key in value
    if type(value) is list and type(key) is int:
        return 0 <= key < len(value)
    if value is None:
        return False
    raise FastJqError(f"Cannot check whether {V.type_name(value)} has a key")


_WITH_ARGUMENT: dict[str, Callable[[Any, Any], Any]] = {
    "split": V.split,
    "join": _join,
    "startswith": _startswith,
    "endswith": _endswith,
    "ltrimstr": _ltrimstr,
    "rtrimstr": _rtrimstr,
    "has": _has,
}


def with_argument(name: str, argument: Fn) -> Fn:
    """The closure of ``name(argument)`` for every one-argument builtin but ``test``."""
    if name == "select":
        return _select(argument)
    if name == "map":
        return _map(argument)
    operation = _WITH_ARGUMENT[name]

    def called(value: Any) -> Any:
        got = argument(value)
        return EMPTY if got is EMPTY else operation(value, got)

    return called


NULLARY_NAMES = frozenset(NULLARY)
"""Builtins called without an argument (``length``)."""
UNARY_NAMES = frozenset({"select", "map", "test", *_WITH_ARGUMENT})
"""Builtins called with one argument (``split(",")``)."""
