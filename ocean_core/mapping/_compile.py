"""Compile a validated mapping into jq programs, once per resync, and map batches with them.

Each resource becomes one jq program that builds the whole entity in one evaluation (the
per-field programs are kept to name the failing field when the combined one raises). Every
field takes the first output of its expression, or null when it has none, as Port Ocean does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import jq

from ocean_core.errors import ConfigProblem
from ocean_core.mapping._model import Resource

_FIELDS = ("identifier", "blueprint", "title", "team", "icon")


def _first(expression: str) -> str:
    return f"([({expression})] | .[0])"


def _object(entries: dict[str, str]) -> str:
    body = ", ".join(f"{json.dumps(key)}: {_first(expr)}" for key, expr in entries.items())
    return "{" + body + "}"


@dataclass(frozen=True)
class MappedItem:
    """What one raw item mapped to: the entity's fields, not yet validated."""

    identifier: Any
    blueprint: Any
    title: Any
    team: Any
    icon: Any
    properties: dict[str, Any]
    relations: dict[str, Any]


class ItemMappingError(Exception):
    """One item could not be mapped; ``field`` names the mapping field that failed."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass
class CompiledResource:
    """A resource ready to map items: its selector, item expansion and entity programs."""

    kind: str
    index: int
    selector: Any
    items_to_parse: Any | None
    items_to_parse_name: str
    combined: Any
    fields: dict[str, Any] = field(default_factory=dict)

    def expand(self, item: Any) -> list[Any]:
        """The items to map from one raw item: none if the selector drops it, else the item
        itself or, with ``itemsToParse``, one item per element (under ``itemsToParseName``)."""
        if not self.selected(item):
            return []
        if self.items_to_parse is None:
            return [item]
        children = self._run(self.items_to_parse, item, "port.itemsToParse")
        if children is None:
            return []
        if not isinstance(children, list):
            raise ItemMappingError("port.itemsToParse", f"must give a list, got {children!r}")
        return [{**item, self.items_to_parse_name: child} for child in children]

    def selected(self, item: Any) -> bool:
        if self.selector is None:  # the selector is the constant `true`
            return True
        verdict = self._run(self.selector, item, "selector.query")
        if isinstance(verdict, bool):
            return verdict
        raise ItemMappingError("selector.query", f"must give true or false, got {verdict!r}")

    def map(self, item: Any) -> MappedItem:
        """Evaluate the entity mapping on one item; raises ``ItemMappingError`` naming the field."""
        try:
            out = self.combined.input_value(item).first()
        except ValueError:
            self._blame(item)
            raise
        return MappedItem(
            identifier=out["identifier"],
            blueprint=out["blueprint"],
            title=out["title"],
            team=out["team"],
            icon=out["icon"],
            properties=out["properties"],
            relations=out["relations"],
        )

    def _blame(self, item: Any) -> None:
        """Find the field whose expression raises on this item, and raise for it."""
        for name, program in self.fields.items():
            self._run(program, item, name)
        raise ItemMappingError("port.entity.mappings", "jq error")

    @staticmethod
    def _run(program: Any, item: Any, field: str) -> Any:
        try:
            return program.input_value(item).first()
        except StopIteration:
            return None
        except ValueError as exc:
            raise ItemMappingError(field, f"jq error: {exc}") from exc


def _compile(expression: str, where: str, kind: str, problems: list[ConfigProblem]) -> Any:
    """Compile one expression; a failure becomes a problem naming the field and the kind."""
    try:
        return jq.compile(expression)
    except ValueError as exc:
        reason = str(exc).splitlines()[0].removeprefix("jq: error: ").rstrip(":")
        message = f"jq compile error: {reason} (kind {kind}, expression: {expression!r})"
        problems.append(ConfigProblem(where, message))
        return None


def compile_resource(
    resource: Resource, index: int, problems: list[ConfigProblem], source: str | None
) -> CompiledResource | None:
    """Compile one resource, adding a problem per expression that does not compile."""
    kind = json.dumps(resource.kind)
    found: list[ConfigProblem] = []
    m = resource.port.entity.mappings
    base = "port.entity.mappings"
    exprs: dict[str, str] = {name: getattr(m, name) or "null" for name in _FIELDS}
    fields = {
        f"{base}.{name}": _compile(expr, f"resources[{index}].{base}.{name}", kind, found)
        for name, expr in exprs.items()
    }
    for group in ("properties", "relations"):
        for key, expr in getattr(m, group).items():
            where = f"{base}.{group}.{key}"
            fields[where] = _compile(expr, f"resources[{index}].{where}", kind, found)
    query = resource.selector.query
    selector = _compile(query, f"resources[{index}].selector.query", kind, found)
    items = resource.port.items_to_parse
    items_program = (
        _compile(items, f"resources[{index}].port.itemsToParse", kind, found) if items else None
    )
    problems.extend(ConfigProblem(p.field, p.message, source) for p in found)
    if found:
        return None
    parts = {name: _first(expr) for name, expr in exprs.items()}
    combined_text = (
        "{" + ", ".join(f"{name}: {text}" for name, text in parts.items())
        + f", properties: {_object(m.properties)}, relations: {_object(m.relations)}" + "}"
    )
    return CompiledResource(
        kind=resource.kind,
        index=index,
        selector=None if query.strip() == "true" else selector,
        items_to_parse=items_program,
        items_to_parse_name=resource.port.items_to_parse_name,
        combined=jq.compile(combined_text),
        fields=fields,
    )
