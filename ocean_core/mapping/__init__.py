"""Port Ocean-format resource mappings: load, validate and compile.

    mapping = load_mapping(yaml.safe_load(text), source="mapping.yaml", kinds={"product"})
    for resource in mapping.resources: ...

    # with an integration: its kinds, and its own selector keys (``selector_model``)
    mapping = validate_for(integration, yaml.safe_load(text), source="mapping.yaml")
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from ocean_core._describe import field_path, input_phrase
from ocean_core._yaml import read_yaml
from ocean_core.errors import ConfigError, ConfigProblem, MappingError
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
    allowed_keys,
)
from ocean_core.mapping._programs import Expression
from ocean_core.selector import Selector

__all__ = [
    "CompiledMapping",
    "CompiledResource",
    "Expression",
    "ItemMappingError",
    "MappedItem",
    "MappingSpec",
    "MappingTarget",
    "Resource",
    "SearchQuery",
    "SearchRule",
    "Selector",
    "compile_expression",
    "compile_mapping",
    "field_path",
    "kind_label",
    "load_mapping",
    "load_mapping_file",
    "parse_mapping",
    "validate_for",
]


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


def _unknown_key_hint(
    loc: tuple[int | str, ...], selector_model: type[Selector] = Selector
) -> str:
    """``; did you mean 'itemsToParse'?`` for a near miss of a key the format defines (or,
    in a selector, of a key of the integration's ``selector_model``)."""
    parent = field_path(tuple("[]" if isinstance(p, int) else p for p in loc[:-1]))
    parent = parent.replace(".[]", "[]")
    model = selector_model if parent == "resources[].selector" else _MODELS.get(parent)
    key = str(loc[-1])
    if model is None:
        return ""
    if parent == "resources[].port.entity" and key in allowed_keys(EntityMappings):
        return "; entity fields belong under port.entity.mappings"
    close = difflib.get_close_matches(key, allowed_keys(model), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if model is Selector:  # Port Ocean integrations add their own keys here; this one has none
        return ("; the selector takes only 'query' (this integration declares no selector"
                " keys of its own: see Integration.selector_model)")
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
    errors: Sequence[ErrorDetails],
    source: str | None,
    data: Any,
    *,
    prefix: tuple[int | str, ...] = (),
    selector_model: type[Selector] = Selector,
) -> list[ConfigProblem]:
    problems = []
    for error in errors:
        loc = _clean_loc(prefix + tuple(error["loc"]))
        message = error["msg"]
        hint = ""
        if error["type"] == "extra_forbidden":
            message = "unknown key"
            hint = _unknown_key_hint(loc, selector_model)
        details = []
        inside, kind = _resource_kind(data, loc)
        if inside:
            details.append(kind_label(kind))
        # The one rendering of inputs (ocean_core._describe): no whole values, no unknown's.
        shown = input_phrase(selector_model if prefix else MappingSpec, error)
        if shown is not None and error["type"] not in ("jq_expression", "relation"):
            details.append(shown)
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
        raise MappingError(_validation_problems(exc.errors(), source, data)) from exc


@functools.cache
def _strict(model: type[Selector]) -> type[Selector]:
    """``model`` refusing keys it does not define (``Selector`` itself allows them, so that
    the mapping parser, which does not know the integration, keeps them)."""
    strict: type[Selector] = type(
        model.__name__,
        (model,),
        {"model_config": ConfigDict(extra="forbid"), "__module__": model.__module__},
    )
    return strict


def _raw_selectors(data: Any) -> list[Any]:
    """Each resource's selector as written (``{}`` when it has none); a resource that is not a
    mapping gives ``None``."""
    if isinstance(data, MappingSpec):
        return [r.selector.model_dump(by_alias=True) for r in data.resources]
    resources = data.get("resources") if isinstance(data, dict) else None
    out: list[Any] = []
    for resource in resources if isinstance(resources, list) else []:
        out.append(resource.get("selector", {}) if isinstance(resource, dict) else None)
    return out


def _check_selectors(
    data: Any, model: type[Selector], source: str | None
) -> tuple[list[Selector | None], list[ConfigProblem]]:
    """Each resource's selector validated against the integration's ``selector_model``: the
    instances, and a problem per unknown key or wrong value (``resources[i].selector.jql``)."""
    if isinstance(data, MappingSpec):
        kinds_of: Any = {"resources": [{"kind": r.kind} for r in data.resources]}
    else:
        kinds_of = data
    selectors: list[Selector | None] = []
    problems: list[ConfigProblem] = []
    for index, raw in enumerate(_raw_selectors(data)):
        if not isinstance(raw, dict):  # the parser reports a selector that is not a mapping
            selectors.append(None)
            continue
        try:
            _strict(model).model_validate(raw)
            selectors.append(model.model_validate(raw))
        except ValidationError as exc:
            selectors.append(None)
            problems += _validation_problems(
                exc.errors(), source, kinds_of,
                prefix=("resources", index, "selector"), selector_model=model,
            )
    return selectors, problems


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


def _every_problem(*groups: Sequence[ConfigProblem]) -> MappingError:
    """One error with every problem, each once, those of resource ``i`` together."""
    problems = list(dict.fromkeys(p for group in groups for p in group))
    problems.sort(key=_order)  # stable: within a resource, shape problems come first
    return MappingError(problems)


def load_mapping(
    data: Any,
    *,
    source: str | None = None,
    kinds: Collection[str] | None = None,
    selector_model: type[Selector] | None = None,
) -> CompiledMapping:
    """Validate and compile a mapping; ``MappingError`` carries every problem at once: each
    unknown key, each wrong value, each jq expression that does not compile, each kind that no
    fetcher provides (with ``kinds``, the kinds the integration declares).

    Selector keys other than ``query`` are checked only with ``selector_model`` (the
    integration's, see ``validate_for``): without it they are kept as they are, unchecked.
    """
    selectors: list[Selector | None] = []
    selector_problems: list[ConfigProblem] = []
    if selector_model is not None:
        selectors, selector_problems = _check_selectors(data, selector_model, source)
    if isinstance(data, MappingSpec):
        spec = data
    else:
        try:
            spec = parse_mapping(data, source)
        except MappingError as exc:
            raw = _raw_problems(data, kinds, source) if isinstance(data, dict) else []
            raise _every_problem(exc.problems, selector_problems, raw) from exc
    try:
        compiled = compile_mapping(spec, kinds=kinds, source=source)
    except MappingError as exc:
        if not selector_problems:
            raise
        raise _every_problem(selector_problems, exc.problems) from exc
    if selector_problems:
        raise _every_problem(selector_problems)
    if selector_model is None:
        return compiled
    checked = [s for s in selectors if s is not None]
    return dataclasses.replace(compiled, selectors=checked)


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class MappingTarget(Protocol):
    """What ``validate_for`` reads of an integration (an ``Integration`` is one): the kinds it
    provides and its selector model. A protocol, so that mapping never imports integration."""

    selector_model: ClassVar[type[Selector]]

    def kinds(self) -> Sequence[_Named]: ...


def validate_for(
    integration: MappingTarget | None, mapping: Any, *, source: str | None = None
) -> CompiledMapping:
    """Validate and compile a mapping for an integration: everything ``load_mapping`` checks,
    against the integration's kinds, and each resource's selector against its
    ``selector_model`` (its own selector keys, e.g. Jira's ``jql``). With ``integration`` None
    (say, its config is invalid) the kinds and selector keys go unchecked. Raises
    ``MappingError`` with every problem at once."""
    if integration is None:
        return load_mapping(mapping, source=source)
    return load_mapping(
        mapping,
        source=source,
        kinds=[spec.name for spec in integration.kinds()],
        selector_model=integration.selector_model,
    )


def compile_expression(text: str, where: str, kind: str) -> Expression:
    """One jq expression outside a mapping (a kind's cursor), compiled both ways (fast path
    and jq); ``ConfigError`` naming ``where`` when it does not compile."""
    program, problem = compile_error(text, where, kind)
    if problem is not None:
        raise ConfigError(problem)
    return Expression.compile(text, program)


def load_mapping_file(path: Path) -> Any:
    """Read a mapping file's YAML; raise ``MappingError`` naming the file (and the line) on
    bad YAML or aliases that expand beyond a bound (``ocean_core._yaml``)."""
    return read_yaml(path, "mapping", MappingError)


@dataclass(frozen=True)
class CompiledMapping:
    """A mapping compiled for one resync: resources in the order their kinds run."""

    spec: MappingSpec
    resources: list[CompiledResource]
    selectors: list[Selector] = dataclasses.field(default_factory=list)
    """Each resource's selector, in ``resources`` order: an instance of the integration's
    ``selector_model`` when validated with one (``validate_for``), else ``Selector``."""

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
    selectors = [resource.selector for resource in spec.resources]
    return CompiledMapping(spec=spec, resources=compiled, selectors=selectors)
