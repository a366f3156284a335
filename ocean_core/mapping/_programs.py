"""Evaluate mapping expressions: the fast path when it has one, the jq library otherwise.

Every expression keeps its jq program. A fast callable (``_fast``) answers for the subset it
handles exactly; when it raises ``NeedJq`` (a value it does not model) or an error, the item is
evaluated again with jq, so results and error messages are always jq's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jq
import orjson

from ocean_core._limits import json_problem
from ocean_core.mapping._fast import FastJqError, NeedJq, compile_fast

FastFn = Callable[[Any], Any]
_FALLBACK = (NeedJq, FastJqError)


class UnreadableItem(ValueError):
    """An item holds a value JSON cannot (a ``Decimal``, ``bytes``): jq cannot read it."""


def jq_input(program: Any, item: Any) -> Any:
    """``program`` run on ``item``, which goes to jq as JSON text written by orjson, the same
    writer that stores entities: a ``datetime`` becomes its RFC 3339 text and NaN or infinity
    becomes null on every path (as JavaScript's ``JSON.stringify`` does). A value orjson
    cannot write (past the item limits of ``ocean_core._limits`` too: nested too deep, a key
    that is not a string) raises ``UnreadableItem``."""
    try:
        text = orjson.dumps(item)
    except TypeError as exc:
        raise UnreadableItem(f"the item cannot be read as JSON: {json_problem(exc)}") from None
    return program.input_text(text.decode())


@lru_cache(maxsize=4096)
def compile_jq(text: str) -> Any:
    """``jq.compile``, once per text per process: a program is immutable (each use starts its
    own state), and compiling costs about a millisecond, which a service that rebuilds its
    runtimes, or a test suite, would otherwise pay for every expression of every mapping.
    A ``ValueError`` (not jq) is raised every time; only programs are cached."""
    return jq.compile(text)


@dataclass(frozen=True)
class Expression:
    """One jq expression, compiled both ways."""

    text: str
    program: Any
    fast: FastFn | None

    @classmethod
    def compile(cls, text: str, program: Any) -> Expression:
        return cls(text, program, compile_fast(text))

    def first(self, item: Any) -> Any:
        """The first output, or None without one; raises ``ValueError`` as jq does."""
        if self.fast is not None:
            try:
                return self.fast(item)
            except _FALLBACK:
                pass
        try:
            return jq_input(self.program, item).first()
        except StopIteration:
            return None


@dataclass(frozen=True)
class FastEntity:
    """The whole entity mapping in Python, for a resource whose every field has a fast path."""

    scalars: tuple[tuple[str, FastFn | None], ...]
    properties: tuple[tuple[str, FastFn], ...]
    relations: tuple[tuple[str, FastFn], ...]

    def __call__(self, item: Any) -> dict[str, Any] | None:
        """The mapped fields, or None when jq must decide for this item."""
        try:
            out = {name: None if fn is None else fn(item) for name, fn in self.scalars}
            out["properties"] = {key: fn(item) for key, fn in self.properties}
            out["relations"] = {key: fn(item) for key, fn in self.relations}
        except _FALLBACK:
            return None
        return out


def fast_entity(
    scalars: dict[str, str | None], properties: dict[str, Any], relations: dict[str, Any]
) -> FastEntity | None:
    """A ``FastEntity`` if every expression of the entity mapping has a fast path."""
    compiled_scalars = []
    for name, text in scalars.items():
        fn = None if text is None else compile_fast(text)
        if text is not None and fn is None:
            return None
        compiled_scalars.append((name, fn))
    groups = []
    for entries in (properties, relations):
        compiled = []
        for key, text in entries.items():
            fn = compile_fast(text) if isinstance(text, str) else None
            if fn is None:  # no fast path, or a search-query relation
                return None
            compiled.append((key, fn))
        groups.append(tuple(compiled))
    return FastEntity(tuple(compiled_scalars), groups[0], groups[1])

