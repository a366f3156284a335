"""Port Ocean-format resource mappings: load, validate and compile.

    mapping = load_mapping(yaml.safe_load(text), source="mapping.yaml", kinds={"product"})
    for resource in mapping.resources: ...
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ocean_core.errors import ConfigProblem, MappingError
from ocean_core.mapping._compile import (
    CompiledResource,
    ItemMappingError,
    MappedItem,
    compile_resource,
)
from ocean_core.mapping._model import MappingSpec, Resource

__all__ = [
    "CompiledMapping",
    "CompiledResource",
    "ItemMappingError",
    "MappedItem",
    "MappingSpec",
    "Resource",
    "compile_mapping",
    "field_path",
    "load_mapping_file",
    "parse_mapping",
]


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("resources", 0, "port")`` -> ``resources[0].port``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _validation_problems(exc: ValidationError, source: str | None) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors():
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        if "input" in error and error["type"] != "missing":
            message = f"{message} (got {error['input']!r})"
        problems.append(ConfigProblem(field_path(error["loc"]), message, source))
    return problems


def parse_mapping(data: Any, source: str | None = None) -> MappingSpec:
    """Validate the shape of a mapping; raise ``MappingError`` naming every bad field."""
    if not isinstance(data, dict):
        got = type(data).__name__
        problem = ConfigProblem("", f"a mapping must be a YAML mapping, got {got}", source)
        raise MappingError(problem)
    try:
        return MappingSpec.model_validate(data)
    except ValidationError as exc:
        raise MappingError(_validation_problems(exc, source)) from exc


def load_mapping_file(path: Path) -> Any:
    """Read a mapping file's YAML; raise ``MappingError`` naming the file on bad YAML."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(ConfigProblem("", f"cannot read mapping: {exc}", str(path))) from exc
    except yaml.YAMLError as exc:
        raise MappingError(ConfigProblem("", f"invalid YAML: {exc}", str(path))) from exc


@dataclass(frozen=True)
class CompiledMapping:
    """A mapping compiled for one resync: resources in the order their kinds run."""

    spec: MappingSpec
    resources: list[CompiledResource]

    @property
    def kinds(self) -> list[str]:
        return list(dict.fromkeys(r.kind for r in self.resources))


def compile_mapping(
    spec: MappingSpec, *, kinds: Collection[str] | None = None, source: str | None = None
) -> CompiledMapping:
    """Compile every expression; refuse kinds no fetcher provides. Raises ``MappingError``."""
    problems: list[ConfigProblem] = []
    compiled = []
    for index, resource in enumerate(spec.resources):
        if kinds is not None and resource.kind not in kinds:
            known = ", ".join(sorted(kinds)) or "none"
            problems.append(
                ConfigProblem(
                    f"resources[{index}].kind",
                    f"no fetcher provides kind {resource.kind!r} (declared kinds: {known})",
                    source,
                )
            )
            continue
        result = compile_resource(resource, index, problems, source)
        if result is not None:
            compiled.append(result)
    if problems:
        raise MappingError(problems)
    return CompiledMapping(spec=spec, resources=compiled)
