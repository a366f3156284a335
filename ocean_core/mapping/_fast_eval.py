"""Turn a parsed fast-subset expression into nested Python closures.

Every closure takes the input value and returns its single output, or ``EMPTY`` when there is
none: in the subset no expression has more than one output (there is no ``,`` and no ``.[]``),
which is what lets us evaluate without generators. The order in which operands are evaluated
copies jq's, because it decides whether an expression with an empty operand and a failing one
errors or yields nothing: a binary operator evaluates its right side first, string interpolation
its last part first, object construction its entries from left to right.

This module builds the structural node families (paths, operators, constructors, conditionals);
builtin calls are built by ``_fast_builtins``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ocean_core.mapping._fast_values as V
from ocean_core.mapping._fast_builtins import NULLARY, regex_test, with_argument
from ocean_core.mapping._fast_scan import Node, Unsupported
from ocean_core.mapping._fast_values import EMPTY, FastJqError, index_value

Fn = Callable[[Any], Any]


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
        return NULLARY[name]
    if name == "test":  # its pattern is a literal: the parser checked
        return regex_test(node.kids[0].value)
    return with_argument(name, build(node.kids[0]))


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
