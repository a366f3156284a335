"""Port Ocean-format resource mappings: load, validate and compile.

    mapping = load_mapping(yaml.safe_load(text), source="mapping.yaml", kinds={"product"})
    for resource in mapping.resources: ...
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ocean_core.errors import ConfigProblem, MappingError
from ocean_core.mapping._compile import (
    CompiledResource,
    ItemMappingError,
    MappedItem,
    compile_error,
    compile_resource,
    expressions,
    kind_label,
)
from ocean_core.mapping._model import (
    EntityMappings,
    EntityPort,
    MappingSpec,
    PortSection,
    Resource,
    SearchQuery,
    SearchRule,
    Selector,
    allowed_keys,
)

__all__ = [
    "CompiledMapping",
    "CompiledResource",
    "ItemMappingError",
    "MappedItem",
    "MappingSpec",
    "Resource",
    "SearchQuery",
    "SearchRule",
    "compile_mapping",
    "field_path",
    "kind_label",
    "load_mapping",
    "load_mapping_file",
    "parse_mapping",
]


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("resources", 0, "port")`` -> ``resources[0].port``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_UNION_TAGS = {"jq", "search", "rule", "query"}
"""Names of the tagged-union members in ``_model``; pydantic puts them in error locations."""


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The location as a user writes it: without the union tags pydantic inserts after a
    relation's name (``relations.svc.search.rules``) or a rule's index (``rules[0].rule``)."""
    out: list[int | str] = []
    for part in loc:
        after_relation = len(out) >= 2 and out[-2] == "relations"
        after_rule = len(out) >= 2 and out[-2] == "rules" and isinstance(out[-1], int)
        if part in _UNION_TAGS and (after_relation or after_rule):
            continue
        out.append(part)
    return tuple(out)


_MODELS: dict[str, type[BaseModel]] = {
    "": MappingSpec,
    "resources[]": Resource,
    "resources[].selector": Selector,
    "resources[].port": PortSection,
    "resources[].port.entity": EntityPort,
    "resources[].port.entity.mappings": EntityMappings,
}


def _unknown_key_hint(loc: tuple[int | str, ...]) -> str:
    """``; did you mean 'itemsToParse'?`` for a near miss of a key the format defines."""
    parent = field_path(tuple("[]" if isinstance(p, int) else p for p in loc[:-1]))
    parent = parent.replace(".[]", "[]")
    model = _MODELS.get(parent)
    key = str(loc[-1])
    if model is None:
        return ""
    if parent == "resources[].port.entity" and key in allowed_keys(EntityMappings):
        return "; entity fields belong under port.entity.mappings"
    if parent == "resources[].selector":  # Port Ocean integrations add their own keys here
        return ("; the selector takes only 'query' (selector keys of a Port Ocean"
                " integration, such as Jira's jql, are not read by ocean_core)")
    close = difflib.get_close_matches(key, allowed_keys(model), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; {parent or 'the top level'} takes: {', '.join(allowed_keys(model))}"


def _resource_kind(data: Any, loc: tuple[int | str, ...]) -> tuple[bool, Any]:
    """Whether ``loc`` is inside ``resources[i]``, and that resource's kind (or None)."""
    if len(loc) < 2 or loc[0] != "resources" or not isinstance(loc[1], int):
        return False, None
    resources = data.get("resources") if isinstance(data, dict) else None
    try:
        resource = resources[loc[1]] if isinstance(resources, list) else None
    except IndexError:
        return True, None
    return True, resource.get("kind") if isinstance(resource, dict) else None


def _validation_problems(
    exc: ValidationError, source: str | None, data: Any
) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors():
        loc = _clean_loc(error["loc"])
        message = error["msg"]
        hint = ""
        if error["type"] == "extra_forbidden":
            message = "unknown key"
            hint = _unknown_key_hint(loc)
        details = []
        inside, kind = _resource_kind(data, loc)
        if inside:
            details.append(kind_label(kind))
        if "input" in error and error["type"] not in ("missing", "jq_expression", "relation"):
            details.append(f"got {error['input']!r}")
        if details:
            message = f"{message} ({', '.join(details)})"
        problems.append(ConfigProblem(field_path(loc), message + hint, source))
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
        raise MappingError(_validation_problems(exc, source, data)) from exc


def _raw_problems(
    data: dict[str, Any], kinds: Collection[str] | None, source: str | None
) -> list[ConfigProblem]:
    """The jq and kind problems of a mapping whose shape is wrong, read from the raw data, so
    that one pass reports every problem."""
    problems = []
    resources = data.get("resources")
    for index, resource in enumerate(resources if isinstance(resources, list) else []):
        if not isinstance(resource, dict):
            continue
        kind = resource.get("kind")
        if kinds is not None and isinstance(kind, str) and kind not in kinds:
            problems.append(_kind_problem(index, kind, kinds, source))
        for where, expression in expressions(resource):
            _, problem = compile_error(expression, f"resources[{index}].{where}", kind, source)
            if problem is not None:
                problems.append(problem)
    return problems


def _kind_problem(
    index: int, kind: str, kinds: Collection[str], source: str | None
) -> ConfigProblem:
    known = ", ".join(sorted(kinds)) or "none"
    return ConfigProblem(
        f"resources[{index}].kind",
        f"no fetcher provides kind {kind!r} ({kind_label(kind)}, declared kinds: {known})",
        source,
    )


def _order(problem: ConfigProblem) -> tuple[int, str]:
    """Problems of resource ``i`` together, in resource order; top-level problems first."""
    match = re.match(r"resources\[(\d+)\]", problem.field)
    return (int(match.group(1)) + 1 if match else 0, "")


def load_mapping(
    data: Any, *, source: str | None = None, kinds: Collection[str] | None = None
) -> CompiledMapping:
    """Validate and compile a mapping; ``MappingError`` carries every problem at once: each
    unknown key, each wrong value, each jq expression that does not compile, each kind that no
    fetcher provides (with ``kinds``, the kinds the integration declares)."""
    if isinstance(data, MappingSpec):
        return compile_mapping(data, kinds=kinds, source=source)
    try:
        spec = parse_mapping(data, source)
    except MappingError as exc:
        problems = list(exc.problems)
        if isinstance(data, dict):
            problems += _raw_problems(data, kinds, source)
        problems.sort(key=_order)  # stable: within a resource, shape problems come first
        raise MappingError(problems) from exc
    return compile_mapping(spec, kinds=kinds, source=source)


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
            problems.append(_kind_problem(index, resource.kind, kinds, source))
        result = compile_resource(resource, index, problems, source)
        if result is not None:
            compiled.append(result)
    if problems:
        raise MappingError(problems)
    return CompiledMapping(spec=spec, resources=compiled)
