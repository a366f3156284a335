"""The ``config`` of a ``PATCH``: a JSON merge patch (RFC 7396) over the config in effect, in
which the mask ``**********`` keeps a value, and secrets are only references.

    {"kinds": {"team": 5}, "latency": null, "token": "**********"}

merges ``kinds`` (``team`` set, the other kinds kept), removes ``latency`` and keeps ``token``
as it is. Arrays and other values replace what was there.

Secrets (``SecretStr`` fields of the type's config model) are never stored in the catalog: a
``PATCH`` may set one only as a reference to an environment variable of the server,
``"${GITHUB_TOKEN}"``, kept as that text and read from the environment whenever the change is
applied (on every start too), so the catalog, its backups and its replicas never hold the value.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

from pydantic import BaseModel

from ocean_core._expand import expand_variables
from ocean_core._secrets import is_secret_leaf
from ocean_core.errors import ConfigError, ConfigProblem
from ocean_core.mapping import field_path

MASK = "**********"
"""What a secret reads as in an integration's state (pydantic's JSON for a ``SecretStr``)."""
REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
"""The one form a secret may take in a ``PATCH``: ``${NAME}``, without a default."""

Path = tuple[int | str, ...]


def merge_patch(target: Any, patch: Any) -> Any:
    """``target`` with ``patch`` merged in (RFC 7396): null removes a key, objects merge, any
    other value replaces; a value equal to ``MASK`` keeps the target's (absent stays absent)."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif value != MASK:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def diff_patch(source: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """The merge patch that turns ``source`` into ``target`` (what is kept of the API's
    changes: only what differs from the config file)."""
    patch: dict[str, Any] = {key: None for key in source if key not in target}
    for key, value in target.items():
        old = source.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            inner = diff_patch(old, value)
            if inner:
                patch[key] = inner
        elif (key in source and old != value) or (key not in source and value is not None):
            patch[key] = value  # (a null the file does not have is no change)
    return patch


def refuse_plain_secrets(model: type[BaseModel], patch: dict[str, Any]) -> None:
    """``ConfigError`` naming every secret of ``patch`` that is not a ``${NAME}`` reference."""
    problems = [
        ConfigProblem(f"config.{field_path(where)}", (
            "a secret is set through the API only as a reference to an environment variable"
            ' of the server, such as "${GITHUB_TOKEN}" (the catalog never stores a secret);'
            f' send "{MASK}" to keep the current value'
        ))
        for where, value in secret_leaves(model, patch)
        if not (isinstance(value, str) and REFERENCE.fullmatch(value))
    ]
    if problems:
        raise ConfigError(problems)


def resolve_secrets(model: type[BaseModel], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` with each secret reference replaced by its environment variable's value;
    ``ConfigError`` naming the field if the variable is not set."""
    resolved: dict[str, Any] = patch
    for where, value in secret_leaves(model, patch):
        if isinstance(value, str):
            resolved = _replaced(resolved, where, _from_environment(value, where))
    return resolved


def _from_environment(reference: str, where: Path) -> str:
    """The value of a secret's ``${NAME}``; ``ConfigError`` naming the field if it is unset."""
    expansion = expand_variables(reference, config_dir=pathlib.Path.cwd())
    if expansion.unset:
        names = ", ".join(unset.name for unset in expansion.unset)
        raise ConfigError(ConfigProblem(
            f"config.{field_path(where)}", f"environment variable {names} is not set"
        ))
    value: str = expansion.data
    return value


def secret_leaves(model: type[BaseModel], value: Any, where: Path = ()) -> list[tuple[Path, Any]]:
    """``(path, value)`` of every value of ``value`` that is, or is inside, a secret field."""
    if where and is_secret_leaf(model, where):
        return [(where, value)]
    if isinstance(value, dict):
        items: list[tuple[int | str, Any]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return []
    return [leaf for key, inner in items for leaf in secret_leaves(model, inner, (*where, key))]


def _replaced(value: Any, where: Path, new: Any) -> Any:
    """A copy of ``value`` with the value at ``where`` replaced by ``new``."""
    if not where:
        return new
    head, rest = where[0], where[1:]
    if isinstance(value, dict):
        return {**value, str(head): _replaced(value[head], rest, new)}
    copy = list(value)
    copy[int(head)] = _replaced(copy[int(head)], rest, new)
    return copy
