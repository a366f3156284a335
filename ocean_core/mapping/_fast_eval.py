"""Turn a parsed fast-subset expression into nested Python closures.

Every closure takes the input value and returns its single output, or ``EMPTY`` when there is
none: in the subset no expression has more than one output (there is no ``,`` and no ``.[]``),
which is what lets us evaluate without generators. The order in which operands are evaluated
copies jq's, because it decides whether an expression with an empty operand and a failing one
errors or yields nothing: a binary operator evaluates its right side first, string interpolation
its last part first, object construction its entries from left to right.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ocean_core.mapping import _fast_values as V
from ocean_core.mapping._fast_parse import Node, Unsupported
from ocean_core.mapping._fast_values import EMPTY, FastJqError, NeedJq

Fn = Callable[[Any], Any]
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def build(node: Node) -> Fn:
    """The closure of ``node``; raises ``Unsupported`` for what the evaluator does not handle."""
    builder = _BUILDERS.get(node.kind)
    if builder is None:
        raise Unsupported(node.kind)
    return builder(node)


def _identity(node: Node) -> Fn:
    return lambda value: value


def _literal(node: Node) -> Fn:
    constant = node.value
    if isinstance(constant, list):
        return lambda value: []
    return lambda value: constant


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
    V.type_name(value)
    raise FastJqError(f"Cannot index {V.type_name(value)} with {V.type_name(key)}")


def _index(node: Node) -> Fn:
    key: str | int = node.value
    target = node.kids[0]
    if target.kind == "identity":
        if type(key) is str:

            def field(value: Any) -> Any:
                if type(value) is dict:
                    return value.get(key)
                return index_value(value, key)

            return field
        return lambda value: index_value(value, key)
    inner = build(target)

    def indexed(value: Any) -> Any:
        got = inner(value)
        if got is EMPTY:
            return EMPTY
        if type(got) is dict and type(key) is str:
            return got.get(key)
        return index_value(got, key)

    return indexed


def _pipe(node: Node) -> Fn:
    left, right = build(node.kids[0]), build(node.kids[1])

    def piped(value: Any) -> Any:
        got = left(value)
        return EMPTY if got is EMPTY else right(got)

    return piped


def _alt(node: Node) -> Fn:
    """``a // b``: a's output unless it is false, null or missing; a's errors propagate."""
    left, right = build(node.kids[0]), build(node.kids[1])

    def alternative(value: Any) -> Any:
        got = left(value)
        if got is not EMPTY and got is not None and got is not False:
            return got
        return right(value)

    return alternative


def _logic(decisive: bool) -> Callable[[Node], Fn]:
    """``and`` (decided by a false left side) and ``or`` (decided by a true one)."""

    def compile_logic(node: Node) -> Fn:
        left, right = build(node.kids[0]), build(node.kids[1])

        def logic(value: Any) -> Any:
            got = left(value)
            if got is EMPTY:
                return EMPTY
            if V.truthy(got) is decisive:
                return decisive
            other = right(value)
            return EMPTY if other is EMPTY else V.truthy(other)

        return logic

    return compile_logic


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": V.add,
    "-": V.subtract,
    "*": V.multiply,
    "/": V.divide,
    "==": lambda a, b: V.compare(a, b) == 0,
    "!=": lambda a, b: V.compare(a, b) != 0,
    "<": lambda a, b: V.compare(a, b) < 0,
    "<=": lambda a, b: V.compare(a, b) <= 0,
    ">": lambda a, b: V.compare(a, b) > 0,
    ">=": lambda a, b: V.compare(a, b) >= 0,
}


def _binop(node: Node) -> Fn:
    operator = _OPERATORS[node.value]
    left, right = build(node.kids[0]), build(node.kids[1])
    if node.kids[1].kind == "literal":  # the common `.state == "open"`: no right-side call
        constant = node.kids[1].value

        def with_constant(value: Any) -> Any:
            got = left(value)
            return EMPTY if got is EMPTY else operator(got, constant)

        return with_constant

    def binary(value: Any) -> Any:
        other = right(value)
        if other is EMPTY:
            return EMPTY
        got = left(value)
        return EMPTY if got is EMPTY else operator(got, other)

    return binary


def _neg(node: Node) -> Fn:
    inner = build(node.kids[0])

    def negated(value: Any) -> Any:
        got = inner(value)
        if got is EMPTY:
            return EMPTY
        if type(got) in (int, float):
            number = V.safe_number(got)
            return V.computed(-float(number))
        raise FastJqError(f"{V.type_name(got)} cannot be negated")

    return negated


def _array(node: Node) -> Fn:
    inner = build(node.kids[0])

    def collected(value: Any) -> Any:
        got = inner(value)
        return [] if got is EMPTY else [got]

    return collected


def _object(node: Node) -> Fn:
    keys: tuple[str, ...] = node.value
    entries = tuple(zip(keys, (build(kid) for kid in node.kids), strict=True))

    def constructed(value: Any) -> Any:
        out: dict[str, Any] = {}
        for key, fn in entries:
            got = fn(value)
            if got is EMPTY:
                return EMPTY
            out[key] = got
        return out

    return constructed


def _interp(node: Node) -> Fn:
    literals: tuple[str, ...] = node.value
    parts = tuple(build(kid) for kid in node.kids)
    order = tuple(reversed(range(len(parts))))

    def interpolated(value: Any) -> Any:
        texts = [""] * len(parts)
        for i in order:
            got = parts[i](value)
            if got is EMPTY:
                return EMPTY
            texts[i] = got if type(got) is str else V.tojson(got)
        pieces = [literals[0]]
        for text, literal in zip(texts, literals[1:], strict=True):
            pieces.append(text)
            pieces.append(literal)
        return "".join(pieces)

    return interpolated


def _if(node: Node) -> Fn:
    fns = [build(kid) for kid in node.kids]
    branches = tuple((fns[i], fns[i + 1]) for i in range(0, len(fns) - 1, 2))
    otherwise = fns[-1]

    def conditional(value: Any) -> Any:
        for condition, then in branches:
            got = condition(value)
            if got is EMPTY:
                return EMPTY
            if got is not None and got is not False:
                return then(value)
        return otherwise(value)

    return conditional


def _call(node: Node) -> Fn:
    name: str = node.value
    if not node.kids:
        return _BUILTINS_0[name]
    if name == "select":
        return _select(build(node.kids[0]))
    if name == "map":
        return _map(build(node.kids[0]))
    if name == "test":
        return _test(node.kids[0].value)
    operation = _BUILTINS_1[name]
    arg = build(node.kids[0])

    def called(value: Any) -> Any:
        got = arg(value)
        return EMPTY if got is EMPTY else operation(value, got)

    return called


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


def _test(pattern: str) -> Fn:
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


_BUILTINS_0: dict[str, Fn] = {
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


_BUILTINS_1: dict[str, Callable[[Any, Any], Any]] = {
    "split": V.split,
    "join": _join,
    "startswith": _startswith,
    "endswith": _endswith,
    "ltrimstr": _ltrimstr,
    "rtrimstr": _rtrimstr,
    "has": _has,
}

_BUILDERS: dict[str, Callable[[Node], Fn]] = {
    "identity": _identity,
    "literal": _literal,
    "index": _index,
    "pipe": _pipe,
    "alt": _alt,
    "and": _logic(decisive=False),
    "or": _logic(decisive=True),
    "binop": _binop,
    "neg": _neg,
    "array": _array,
    "object": _object,
    "interp": _interp,
    "if": _if,
    "call": _call,
}
