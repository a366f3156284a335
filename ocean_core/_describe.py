"""How a pydantic validation error reads in a config problem, the API's 422 and the CLI.

    problems = validation_problems(cls.config_model, exc.errors(), prefix="integrations[0].config",
                                   source="ocean.yaml")
    # integrations[0].config.path: required
    # integrations[0].config.pathh: unknown key; did you mean 'path'?
    # integrations[0].config.batch_size: Input should be greater than or equal to 1 (got 0)

Whatever the error, a message:

- never shows the value of a secret field (``SecretStr``/``SecretBytes``, or a list, dict or
  model holding one) or of a field the model does not describe (``dict[str, Any]``, such as an
  integration's ``config`` before its type validates it), and masks any secret value of the
  input that pydantic's own text repeats;
- never shows a mapping or a list (pydantic's input for a missing field or a model-level error
  is the whole mapping, secrets included): it names a mapping's keys, a list's length;
- never shows the value of an unknown key (likely the secret meant for a misspelt key): it
  names the key and the close known one;
- shows other values as JSON, cut to ``VALUE_CHARS``, and is itself cut to ``MESSAGE_CHARS``,
  so that no error line repeats a whole value.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from ocean_core._secrets import (
    is_opaque_field,
    is_secret_field,
    known_keys,
    model_at,
    secret_values,
)
from ocean_core.errors import ConfigProblem

VALUE_CHARS = 100
"""The most characters of a value an error shows (its start and its end: the end of a path
or a URL says as much as its start)."""
MESSAGE_CHARS = 300
"""The most characters of one error message (without its file and field)."""
_KEYS_SHOWN = 8
_MASK = "***"
_MIN_SECRET_CHARS = 3
"""Shorter secrets would mask ordinary words of the message (as in ``ocean_core.http``)."""
_NOTHING_TO_SHOW = frozenset({"missing", "extra_forbidden"})


def field_path(loc: Iterable[int | str]) -> str:
    """``("resources", 0, "port")`` -> ``resources[0].port``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validation_problems(
    model: type[BaseModel] | None,
    errors: Iterable[Mapping[str, Any]],
    *,
    prefix: str = "",
    source: str | None = None,
) -> list[ConfigProblem]:
    """One problem per pydantic error of validating with ``model``, each field named from
    ``prefix`` (``integrations[0].config``) and described by ``describe_validation_error``."""
    problems = []
    for error in errors:
        where = field_path(error["loc"])
        field = f"{prefix}.{where}" if prefix and where else prefix or where
        problems.append(ConfigProblem(field, describe_validation_error(model, error), source))
    return problems


def describe_validation_error(model: type[BaseModel] | None, error: Mapping[str, Any]) -> str:
    """The message of one pydantic error of validating with ``model`` (None: a model whose
    secrets are unknown, so no input is shown), by the rules of this module."""
    loc = tuple(error["loc"])
    if error["type"] == "missing":
        return "required"
    if error["type"] == "extra_forbidden":
        return "unknown key" + unknown_key_hint(model, loc)
    message = _masked(model, error)
    phrase = input_phrase(model, error)
    return _cut(f"{message} ({phrase})" if phrase else message, MESSAGE_CHARS)


def input_phrase(model: type[BaseModel] | None, error: Mapping[str, Any]) -> str | None:
    """What the message may say of the input: ``got "red"``, ``got an object with keys: a, b``,
    ``got a list of 3 items``, ``value hidden: a secret``; None when nothing may be said (a
    missing field, an unknown key, or any input when ``model`` is None: which of its values
    are secrets is unknown, as for a request body that carries an integration's config)."""
    if model is None or "input" not in error or error["type"] in _NOTHING_TO_SHOW:
        return None
    value = error["input"]
    if isinstance(value, Mapping):
        keys = [str(k) for k in value]
        if not keys:
            return "got an empty object"
        shown = ", ".join(_cut(k, VALUE_CHARS) for k in keys[:_KEYS_SHOWN])
        more = f" and {len(keys) - _KEYS_SHOWN} more" if len(keys) > _KEYS_SHOWN else ""
        return f"got an object with keys: {shown}{more}"
    if isinstance(value, list | tuple | set | frozenset):
        return f"got a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if is_secret_field(model, tuple(error["loc"])):
        return "value hidden: a secret"
    if is_opaque_field(model, tuple(error["loc"])):
        return "value hidden: it may hold a secret"
    return f"got {shown_value(value)}"


def shown_input(model: type[BaseModel] | None, error: Mapping[str, Any]) -> str:
    """``input_phrase`` as the end of a message: `` (got 0)``, or nothing."""
    phrase = input_phrase(model, error)
    return f" ({phrase})" if phrase else ""


def shown_value(value: Any) -> str:
    """A scalar as JSON (``"red"``, ``0``, ``true``, ``null``), cut in the middle to
    ``VALUE_CHARS``."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # a circular structure, which only code (not a file) can give
        text = type(value).__name__
    if len(text) <= VALUE_CHARS:
        return text
    head = (VALUE_CHARS - 1) // 2
    return text[:head] + "…" + text[len(text) - (VALUE_CHARS - 1 - head):]


def unknown_key_hint(model: type[BaseModel] | None, loc: tuple[int | str, ...]) -> str:
    """``; did you mean 'token'?``, or the keys the enclosing model takes, or nothing."""
    parent = model_at(model, loc[:-1]) if loc else None
    if parent is None:
        return ""
    known = known_keys(parent)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return _cut(f"; expected one of: {', '.join(known)}", MESSAGE_CHARS) if known else ""


def _masked(model: type[BaseModel] | None, error: Mapping[str, Any]) -> str:
    """pydantic's message with every secret of the input masked: a validator's own message
    (``Value error, ...``) may quote what it was given."""
    message = str(error.get("msg", "invalid"))
    if "input" not in error:
        return message
    secrets = {s for s in secret_values(model, tuple(error["loc"]), error["input"])
               if len(s) >= _MIN_SECRET_CHARS}
    for secret in sorted(secrets, key=len, reverse=True):  # a secret holding another: whole
        message = message.replace(secret, _MASK)
    return message


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one line, whatever the message held
    return text if len(text) <= limit else text[: limit - 1] + "…"
