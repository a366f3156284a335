"""``${NAME}`` in the string values of a config file, replaced from the environment.

    expansion = expand_variables(data, config_dir=Path("/etc/ocean"))
    expansion.data     # the values, each ``${NAME}`` replaced
    expansion.unset    # every variable the environment does not set, with the field it is in

``${NAME:-default}`` falls back to ``default``; ``$${`` stands for a literal ``${``;
``${OCEAN_CONFIG_DIR}`` is the config file's folder (absolute), whatever the environment says.

An unset variable is not an error here: the string that names it is left out (in a list it
becomes null, so that the other items keep their places), and the variable is recorded. Only
the code that needs the field raises it (``LoadedConfig.require``): an unset ``${TOKEN}`` of
the API does not stop a resync, and one in another integration's config does not stop this
integration's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_DIR = "OCEAN_CONFIG_DIR"
"""The variable that stands for the config file's folder."""

_VARIABLE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class Unset:
    """A ``${NAME}`` the environment does not set, in the field at ``loc``."""

    loc: Loc
    name: str


@dataclass
class Expansion:
    data: Any
    unset: list[Unset] = field(default_factory=list)


class _Gone:
    """The value of a string with an unset variable, before it is left out."""


_GONE = _Gone()


def expand_variables(
    data: Any, config_dir: Path, environ: Mapping[str, str] | None = None
) -> Expansion:
    """``data`` with every ``${NAME}`` replaced, and the variables that are not set."""
    variables = {**(os.environ if environ is None else environ), CONFIG_DIR: str(config_dir)}
    expansion = Expansion(None)
    value = _expand(data, (), variables, expansion.unset)
    expansion.data = None if value is _GONE else value
    return expansion


def _expand(data: Any, loc: Loc, variables: Mapping[str, str], unset: list[Unset]) -> Any:
    if isinstance(data, dict):
        expanded = {k: _expand(v, (*loc, k), variables, unset) for k, v in data.items()}
        return {k: v for k, v in expanded.items() if v is not _GONE}
    if isinstance(data, list):
        items = [_expand(v, (*loc, i), variables, unset) for i, v in enumerate(data)]
        return [None if v is _GONE else v for v in items]
    if not isinstance(data, str) or "${" not in data:
        return data
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        value = variables.get(match.group(1), match.group(2))
        if value is None:
            if match.group(1) not in missing:
                missing.append(match.group(1))
            return ""
        return value

    text = _VARIABLE.sub(replace, data)
    if missing:
        unset.extend(Unset(loc, name) for name in missing)
        return _GONE
    return text
