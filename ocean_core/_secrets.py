"""Which fields of a config model hold secrets, so that no error ever repeats their value."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

_SECRETS = (SecretStr, SecretBytes)


def is_secret_field(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> bool:
    """Whether ``loc`` (a pydantic error location) points at a value that is or holds a secret
    of ``model`` (a ``SecretStr``/``SecretBytes`` field, a list or dict of them, a nested model
    with one), through nested models, lists and dicts. A value given where a list of secrets
    (or a model holding one) is expected is most likely the secret itself."""
    annotation = annotation_at(model, loc)
    return annotation is not None and _contains_secret(annotation, set())


def is_secret_leaf(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> bool:
    """Whether the value at ``loc`` is itself a secret (a ``SecretStr``/``SecretBytes`` field
    or item), not a list, dict or model around one: where a secret's own value sits."""
    return any(
        isinstance(option, type) and issubclass(option, _SECRETS)
        for option in options(annotation_at(model, loc))
    )


def is_opaque_field(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> bool:
    """Whether ``loc`` points at a value ``model`` does not describe (``Any``, or a dict or
    list of it), such as an integration's ``config`` before its type's model validates it:
    it may hold a secret nobody declared yet."""
    return _opaque(annotation_at(model, loc))


def annotation_at(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> Any:
    """The annotation of the value at ``loc`` in ``model``, or None when ``loc`` leaves what
    the model declares. The tags pydantic puts in the locations of union members
    (``list[str]``, ``function-after[...]``) are stepped over."""
    annotation: Any = model
    for part in loc:
        if annotation is None:
            return None
        stepped = _step(annotation, part)
        if stepped is None and isinstance(part, str) and len(options(annotation)) > 1:
            continue  # a union member's tag, not a key
        annotation = stepped
    return annotation


def model_at(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model that validates the mapping at ``loc``, if one does."""
    for candidate in options(annotation_at(model, loc)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def secret_values(model: type[BaseModel] | None, loc: tuple[int | str, ...], value: Any
                  ) -> Iterator[str]:
    """The strings inside ``value`` (the input at ``loc``) that must never be shown: those of
    secret fields, and those under keys ``model`` does not know (an unknown key is often the
    misspelt name of a secret)."""
    if is_secret_field(model, loc) or is_opaque_field(model, loc):
        yield from _strings(value)
    elif isinstance(value, dict):
        known = model_at(model, loc)
        for key, item in value.items():
            if known is not None and not _knows(known, key):
                yield from _strings(item)
            else:
                yield from secret_values(model, (*loc, str(key)), item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from secret_values(model, (*loc, index), item)


def known_keys(model: type[BaseModel]) -> list[str]:
    """The keys ``model`` takes, as a file spells them (its fields' aliases or names)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def _knows(model: type[BaseModel], key: Any) -> bool:
    return key in model.model_fields or key in known_keys(model)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, bytes | SecretBytes):
        raw = value.get_secret_value() if isinstance(value, SecretBytes) else value
        yield raw.decode("utf-8", "replace")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _step(annotation: Any, part: int | str) -> Any:
    for candidate in options(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            for name, field in candidate.model_fields.items():
                if str(part) in (name, field.alias):
                    return field.annotation
        origin = typing.get_origin(candidate)
        if origin in (list, tuple, set, frozenset) and isinstance(part, int):
            return typing.get_args(candidate)[0] if typing.get_args(candidate) else None
        if origin is dict:
            args = typing.get_args(candidate)
            return args[1] if len(args) == 2 else None
    return None


def options(annotation: Any) -> list[Any]:
    """The members of a union (``X | None``), or the annotation itself."""
    args = typing.get_args(annotation)
    if args and typing.get_origin(annotation) in (typing.Union, type(int | None)):
        return [option for arg in args for option in options(arg)]
    if typing.get_origin(annotation) is typing.Annotated:
        return options(args[0])
    return [annotation]


def _opaque(annotation: Any) -> bool:
    for option in options(annotation):
        if option is Any:
            return True
        origin = typing.get_origin(option)
        if origin in (list, tuple, set, frozenset, dict) and any(
            _opaque(arg) for arg in typing.get_args(option)[-1:]
        ):
            return True
    return False


def _contains_secret(annotation: Any, seen: set[type[BaseModel]]) -> bool:
    for option in options(annotation):
        if isinstance(option, type) and issubclass(option, _SECRETS):
            return True
        if isinstance(option, type) and issubclass(option, BaseModel):
            if option not in seen:
                seen.add(option)
                if any(_contains_secret(f.annotation, seen) for f in option.model_fields.values()):
                    return True
            continue
        if any(_contains_secret(arg, seen) for arg in typing.get_args(option)):
            return True
    return False
