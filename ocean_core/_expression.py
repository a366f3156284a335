"""How a mapping value that jq evaluates is read: ``JqExpression``.

Shared by ``Selector`` (``ocean_core.selector``) and the mapping models (``ocean_core.mapping``),
so that the selector, which integrations import, needs nothing of the mapping package.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError


def describe(value: Any) -> str:
    """A value as an error message names it: ``boolean true``, ``a list``, ``int 3``."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"{type(value).__name__} {value!r}"


def jq_text(value: Any) -> Any:
    """A jq expression as Port Ocean reads one: a string, or a number taken as its text."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # pydantic v1 (Port Ocean) coerces numbers to str: a jq literal
    hint = ""
    if isinstance(value, bool):
        hint = f"; quote it for YAML: '{str(value).lower()}'"
    elif isinstance(value, list):
        hint = "; to collect several values write one expression, e.g. '[.a, .b]'"
    raise PydanticCustomError(
        "jq_expression",
        "must be a jq expression (a string), got {what}{hint}",
        {"what": describe(value), "hint": hint},
    )


JqExpression = Annotated[str, BeforeValidator(jq_text)]
"""A jq expression, e.g. ``.name``, ``'"service"'`` (a YAML-quoted jq string) or ``.a // 0``."""
