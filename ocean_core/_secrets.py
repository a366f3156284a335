"""Which fields of a config model hold secrets, so that no error ever repeats their value."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

_SECRETS = (SecretStr, SecretBytes)


def is_secret_field(model: type[BaseModel], loc: tuple[int | str, ...]) -> bool:
    """Whether ``loc`` (a pydantic error location) points into a ``SecretStr``/``SecretBytes``
    field of ``model``, through nested models, lists and dicts."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return False
        if _holds_secret(annotation):
            return True
    return False


def shown_input(model: type[BaseModel], error: Any) -> str:
    """The ``(got ...)`` part of a message for a pydantic error: the value, unless secret."""
    if "input" not in error:
        return ""
    if is_secret_field(model, tuple(error["loc"])):
        return " (value hidden: a secret)"
    return f" (got {error['input']!r})"


def _step(annotation: Any, part: int | str) -> Any:
    for candidate in _options(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            field = candidate.model_fields.get(str(part))
            if field is not None:
                return field.annotation
        origin = typing.get_origin(candidate)
        if origin in (list, tuple, set, frozenset) and isinstance(part, int):
            return typing.get_args(candidate)[0] if typing.get_args(candidate) else None
        if origin is dict:
            args = typing.get_args(candidate)
            return args[1] if len(args) == 2 else None
    return None


def _options(annotation: Any) -> list[Any]:
    """The members of a union (``X | None``), or the annotation itself."""
    args = typing.get_args(annotation)
    if args and typing.get_origin(annotation) in (typing.Union, type(int | None)):
        return list(args)
    if typing.get_origin(annotation) is typing.Annotated:
        return _options(args[0])
    return [annotation]


def _holds_secret(annotation: Any) -> bool:
    return any(isinstance(a, type) and issubclass(a, _SECRETS) for a in _options(annotation))
