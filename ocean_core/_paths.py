"""Relative paths in an integration's config are relative to the config file, as everywhere.

A field of a config model typed as a path (``Path``, pydantic's ``FilePath``, ``DirectoryPath``,
``NewPath``, or an optional, list or dict of them, in nested models too) that is given a
relative path gets it joined to the config file's folder before the model validates it, so
that ``FilePath`` checks the file the operator meant. A path starting with ``~`` is left to the
model (it names a home folder, not a relative path).

    resolve_paths(GitConfig, {"paths": ["../web"]}, Path("/etc/ocean"))
    # {"paths": ["/etc/ocean/../web"]}
"""

from __future__ import annotations

import os
import typing
from pathlib import Path, PurePath
from typing import Any

from pydantic import BaseModel

from ocean_core._secrets import annotation_at, options


def resolve_paths(model: type[BaseModel], values: Any, folder: Path) -> Any:
    """``values`` (the input ``model`` is about to validate) with each relative path of a path
    field joined to ``folder``; anything the model does not declare is left as it is."""
    return _resolve(model, values, folder)


def _resolve(annotation: Any, value: Any, folder: Path) -> Any:
    for option in options(annotation):
        if isinstance(option, type) and issubclass(option, PurePath):
            if isinstance(value, str | os.PathLike):
                return _joined(value, folder)
        elif isinstance(option, type) and issubclass(option, BaseModel):
            if isinstance(value, dict):
                return {k: _resolve(annotation_at(option, (k,)), item, folder)
                        for k, item in value.items()}
        else:
            origin, args = typing.get_origin(option), typing.get_args(option)
            if origin in (list, tuple, set, frozenset) and isinstance(value, list) and args:
                return [_resolve(args[0], item, folder) for item in value]
            if origin is dict and isinstance(value, dict) and len(args) == 2:
                return {k: _resolve(args[1], item, folder) for k, item in value.items()}
    return value


def _joined(value: str | os.PathLike[str], folder: Path) -> str | os.PathLike[str]:
    text = os.fspath(value)
    if not text or text.startswith("~") or Path(text).is_absolute():
        return value
    return str(folder / text)
