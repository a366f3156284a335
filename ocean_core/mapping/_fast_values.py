"""jq's value semantics in plain Python: truthiness, total order, ``+ - * /``, ``tojson``.

Every function here either gives exactly what the ``jq`` library gives, raises ``FastJqError``
where jq raises, or raises ``NeedJq`` where jq's answer depends on details we do not model
(how it prints a float, integers beyond 2**53 that it keeps as doubles, ...).
"""

from __future__ import annotations

import json
import math
from typing import Any

from ocean_core._limits import MAX_DEPTH, TOO_DEEP, ItemLimitError, non_string_key

MAX_SAFE_INT = 2**53


class FastJqError(ValueError):
    """jq raises an error for this input (the jq library raises ``ValueError`` too)."""


class NeedJq(Exception):
    """This value takes the fast path outside what it handles exactly: ask the jq library."""


class _Empty:
    """The marker of "no output" (jq's ``empty``), distinct from every JSON value."""

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY: Any = _Empty()
_TYPE_RANK = {type(None): 0, str: 4, list: 5, dict: 6, int: 3, float: 3}
TYPE_NAMES = {
    type(None): "null",
    bool: "boolean",
    int: "number",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


def type_name(value: Any) -> str:
    try:
        return TYPE_NAMES[type(value)]
    except KeyError:
        raise NeedJq(f"not a JSON value: {type(value).__name__}") from None


def truthy(value: Any) -> bool:
    """jq's truthiness: only ``false`` and ``null`` are false (``0`` and ``""`` are true)."""
    return value is not None and value is not False


def safe_number(value: Any) -> int | float:
    """A number jq holds exactly as we do: finite, and an int only within +-2**53."""
    if type(value) is int:
        if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            return value
        raise NeedJq("integer beyond 2**53")
    if type(value) is float and math.isfinite(value):
        return value
    raise NeedJq("non-finite number")


def computed(value: float) -> int | float:
    """A number jq computed as a double: jq prints an integral double like an integer, so we
    keep it as ``int`` (``tostring`` of a float is left to jq, since jq keeps the input's text
    of numbers that come from the input but not of the ones it computes)."""
    if not math.isfinite(value):
        raise NeedJq("overflow")
    if value.is_integer() and abs(value) <= MAX_SAFE_INT and math.copysign(1.0, value) > 0:
        return int(value)
    if value == 0:
        return value  # -0.0: jq prints "-0"; keep a float so tostring asks jq
    return value


def rank(value: Any) -> int:
    if value is True:
        return 2
    if value is False:
        return 1
    try:
        return _TYPE_RANK[type(value)]
    except KeyError:
        raise NeedJq(f"not a JSON value: {type(value).__name__}") from None


def compare(left: Any, right: Any) -> int:
    """jq's total order: null < false < true < numbers < strings < arrays < objects; arrays
    lexicographically, objects by their sorted key lists first and then value by value."""
    rank_left, rank_right = rank(left), rank(right)
    if rank_left != rank_right:
        return -1 if rank_left < rank_right else 1
    if rank_left == 3:
        a, b = safe_number(left), safe_number(right)
        return (a > b) - (a < b)
    if rank_left == 4:
        _check_string(left)
        _check_string(right)
        return int(left > right) - int(left < right)
    if rank_left == 5:
        for a, b in zip(left, right, strict=False):
            order = compare(a, b)
            if order:
                return order
        return (len(left) > len(right)) - (len(left) < len(right))
    if rank_left == 6:
        keys_left, keys_right = sorted(left), sorted(right)
        order = compare(keys_left, keys_right)
        if order:
            return order
        for key in keys_left:
            order = compare(left[key], right[key])
            if order:
                return order
    return 0


def _check_string(value: str) -> None:
    """Lone surrogates reach jq as U+FFFD (through JSON text): we cannot mirror that cheaply."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise NeedJq("lone surrogate") from None


def add(left: Any, right: Any) -> Any:
    """``left + right``: null is the identity; numbers, strings, arrays, objects (shallow)."""
    if left is None:
        return right
    if right is None:
        return left
    kind_left, kind_right = type(left), type(right)
    if kind_left in (int, float) and kind_right in (int, float):
        a, b = safe_number(left), safe_number(right)
        if kind_left is int and kind_right is int:
            return safe_number(a + b)
        return computed(float(a) + float(b))
    if kind_left is kind_right and kind_left in (str, list):
        return left + right
    if kind_left is dict and kind_right is dict:
        return {**left, **right}
    raise FastJqError(f"{type_name(left)} and {type_name(right)} cannot be added")


def subtract(left: Any, right: Any) -> Any:
    """``left - right``: numbers, or arrays (drop every element equal to one of ``right``)."""
    kind_left, kind_right = type(left), type(right)
    if kind_left in (int, float) and kind_right in (int, float):
        a, b = safe_number(left), safe_number(right)
        if kind_left is int and kind_right is int:
            return safe_number(a - b)
        return computed(float(a) - float(b))
    if kind_left is list and kind_right is list:
        return [x for x in left if all(compare(x, y) != 0 for y in right)]
    type_name(left), type_name(right)
    raise FastJqError(f"{type_name(left)} and {type_name(right)} cannot be subtracted")


def multiply(left: Any, right: Any) -> Any:
    """Numbers; a string times a number repeats it (negative: null, fractions truncate);
    objects merge deeply. Huge repetitions (an error in jq) go to jq."""
    kind_left, kind_right = type(left), type(right)
    if kind_left in (int, float) and kind_right in (int, float):
        return computed(float(safe_number(left)) * float(safe_number(right)))
    if kind_left is str and kind_right in (int, float):
        return _repeat(left, safe_number(right))
    if kind_right is str and kind_left in (int, float):
        return _repeat(right, safe_number(left))
    if kind_left is dict and kind_right is dict:
        return _deep_merge(left, right)
    type_name(left), type_name(right)
    raise FastJqError(f"{type_name(left)} and {type_name(right)} cannot be multiplied")


def _repeat(text: str, times: int | float) -> str | None:
    if times < 0:
        return None
    if len(text) * times > 100_000:
        raise NeedJq("long string repetition")
    return text * int(times)


def _deep_merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    out = dict(left)
    for key, value in right.items():
        old = out.get(key)
        out[key] = _deep_merge(old, value) if type(old) is dict and type(value) is dict else value
    return out


def divide(left: Any, right: Any) -> Any:
    """Numbers (a zero divisor is an error), or strings (``a / b`` splits ``a`` on ``b``)."""
    kind_left, kind_right = type(left), type(right)
    if kind_left in (int, float) and kind_right in (int, float):
        a, b = float(safe_number(left)), float(safe_number(right))
        if b == 0:
            raise FastJqError("cannot be divided because the divisor is zero")
        return computed(a / b)
    if kind_left is str and kind_right is str:
        return split(left, right)
    type_name(left), type_name(right)
    raise FastJqError(f"{type_name(left)} and {type_name(right)} cannot be divided")


def split(text: Any, separator: Any) -> list[str]:
    """jq's ``split/1``: "" splits into nothing, an empty separator into code points."""
    if type(text) is not str or type(separator) is not str:
        raise FastJqError("split input and separator must be strings")
    if not text:
        return []
    if not separator:
        return list(text)
    return text.split(separator)


def tojson(value: Any) -> str:
    """jq's compact JSON text of a value (as ``tostring`` and interpolation print it)."""
    if type(value) is str:
        return _string_json(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(safe_number(value))
    if type(value) is list:
        return "[" + ",".join(tojson(item) for item in value) + "]"
    if type(value) is dict:
        return "{" + ",".join(_string_json(k) + ":" + tojson(v) for k, v in value.items()) + "}"
    raise NeedJq("jq prints floats its own way")


def _string_json(value: str) -> str:
    """JSON text of a string; control characters (jq escapes some differently) go to jq."""
    if any(ord(c) < 0x20 or c == "\x7f" for c in value):
        raise NeedJq("control character in a printed string")
    _check_string(value)
    return json.dumps(value, ensure_ascii=False)


def tostring(value: Any) -> str:
    return value if type(value) is str else tojson(value)


def normalize(value: Any, depth: int = 1) -> Any:
    """The value as the jq library hands it back: numbers pass through a double, so integral
    floats become ``int`` and big integers lose precision; containers are fresh copies. A value
    past the item limits (``ocean_core._limits``) raises ``ItemLimitError``: jq, which reads
    items as orjson writes them, could not read it either."""
    kind = type(value)
    if kind is str:
        _check_string(value)
        return value
    if kind is float:
        if not math.isfinite(value):
            raise NeedJq("non-finite number")
        return int(value) if value.is_integer() else value
    if kind is int:
        if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            return value
        try:
            return int(float(value))  # jq holds every number as a double
        except OverflowError:
            raise NeedJq("integer beyond the range of a double") from None
    if kind is list:
        if depth > MAX_DEPTH:
            raise ItemLimitError(TOO_DEEP)
        return [normalize(item, depth + 1) for item in value]
    if kind is dict:
        if depth > MAX_DEPTH:
            raise ItemLimitError(TOO_DEEP)
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise non_string_key(key)
            _check_string(key)
            out[key] = normalize(item, depth + 1)
        return out
    if value is None or kind is bool:
        return value
    raise NeedJq(f"not a JSON value: {kind.__name__}")


def index_value(value: Any, key: str | int) -> Any:
    """``.key`` / ``.[n]``: null gives null, a missing key or index gives null, and indexing the
    wrong type is an error."""
    if isinstance(key, str):
        if type(value) is dict:
            return value.get(key)
    elif type(value) is list:
        if -len(value) <= key < len(value):
            return value[key]
        return None
    if value is None:
        return None
    type_name(value)
    raise FastJqError(f"Cannot index {type_name(value)} with {type_name(key)}")
