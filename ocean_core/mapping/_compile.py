"""Compile a validated mapping, once per runtime, and map items with it.

Each expression gets a Python callable when it is in the fast-path subset (``_fast``), and a
jq program always. When every field of a resource has a fast path, the entity is built in
Python; otherwise, or when the fast path declines an item, one jq program builds the whole
entity in one evaluation (the per-field programs name the failing field when it raises). Every
field takes the first output of its expression, or null when it has none, as Port Ocean does;
no later output is evaluated.

Expansion follows Port Ocean: ``itemsToParse`` first (each element joins a copy of its parent
under ``itemsToParseName``; the parent loses the array when the expression is a plain path and
``itemsToParseTopLevelTransform`` is on), then the selector, evaluated on each expanded item.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from ocean_core._limits import ItemLimitError
from ocean_core.errors import ConfigProblem
from ocean_core.mapping._fast import compile_fast
from ocean_core.mapping._model import Resource, SearchQuery, SearchRule
from ocean_core.mapping._programs import (
    Expression,
    FastEntity,
    UnreadableItem,
    compile_jq,
    fast_entity,
    jq_input,
)

_FIELDS = ("identifier", "blueprint", "title", "team", "icon")
_BASE = "port.entity.mappings"


def _first(expression: str) -> str:
    """The first output of ``expression``, or null: ``first`` stops the expression at its
    first output, so ``repeat(1)`` or ``range(1e9)`` cost one step, not every output collected
    (collecting ``repeat(1)``'s outputs aborted the process)."""
    return f"([first({expression})] | .[0])"


def _value_text(value: str | SearchQuery | SearchRule) -> str:
    """The jq text that builds one mapped value: an expression's first output, or a search
    query whose every leaf is such an expression."""
    if isinstance(value, str):
        return _first(value)
    if isinstance(value, SearchRule):
        return _object({"property": value.property, "operator": value.operator,
                        "value": value.value})
    rules = ", ".join(_value_text(rule) for rule in value.rules)
    return f'{{"combinator": {_first(value.combinator)}, "rules": [{rules}]}}'


def _object(entries: dict[str, Any]) -> str:
    body = ", ".join(f"{json.dumps(key)}: {_value_text(value)}" for key, value in entries.items())
    return "{" + body + "}"


def expressions(resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every jq expression of one resource as written in a mapping file, with its field path
    (relative to the resource). Values that are not text are skipped: the model reports them."""

    def text(value: Any) -> str | None:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return None

    def search(value: Any, where: str) -> Iterator[tuple[str, str]]:
        if not isinstance(value, dict):
            return
        for key in ("combinator", "property", "operator", "value"):
            found = text(value.get(key))
            if found is not None:
                yield f"{where}.{key}", found
        rules = value.get("rules")
        for number, rule in enumerate(rules if isinstance(rules, list) else []):
            yield from search(rule, f"{where}.rules[{number}]")

    def get(data: Any, key: str) -> Any:
        return data.get(key) if isinstance(data, dict) else None

    selector = get(resource, "selector")
    query = text(get(selector, "query")) if isinstance(selector, dict) else "true"
    if query is not None:
        yield "selector.query", query
    port = get(resource, "port")
    items = text(get(port, "itemsToParse"))
    if items is not None:
        yield "port.itemsToParse", items
    mappings = get(get(port, "entity"), "mappings")
    for name in _FIELDS:
        found = text(get(mappings, name))
        if found is not None:
            yield f"{_BASE}.{name}", found
    properties = get(mappings, "properties")
    for key, value in (properties.items() if isinstance(properties, dict) else []):
        found = text(value)
        if found is not None:
            yield f"{_BASE}.properties.{key}", found
    relations = get(mappings, "relations")
    for key, value in (relations.items() if isinstance(relations, dict) else []):
        found = text(value)
        if found is not None:
            yield f"{_BASE}.relations.{key}", found
        else:
            yield from search(value, f"{_BASE}.relations.{key}")


@dataclass(slots=True)
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
        self.reason = message
        super().__init__(f"{field}: {message}")


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_SEGMENT = re.compile(rf'\.({_NAME})|\.?\[({_QUOTED})\]|\.({_QUOTED})')


def plain_path(expression: str) -> tuple[str, ...] | None:
    """``.fields.comments`` -> ``("fields", "comments")``; None unless a plain object path."""
    text = expression.strip()
    keys: list[str] = []
    position = 0
    while position < len(text):
        match = _SEGMENT.match(text, position)
        if match is None:
            return None
        name, bracketed, quoted = match.groups()
        keys.append(name if name is not None else json.loads(bracketed or quoted))
        position = match.end()
    return tuple(keys) or None


def _without(item: Any, path: tuple[str, ...]) -> Any:
    """A copy of ``item`` without the value at ``path`` (the item itself when it has none)."""
    if not isinstance(item, dict) or path[0] not in item:
        return item
    out = dict(item)
    if len(path) == 1:
        del out[path[0]]
    else:
        out[path[0]] = _without(item[path[0]], path[1:])
    return out


@dataclass
class CompiledResource:
    """A resource ready to map items: its selector, item expansion and entity programs."""

    kind: str
    index: int
    selector: Expression | None
    items_to_parse: Expression | None
    items_to_parse_name: str
    combined: Any
    fields: dict[str, Any] = field(default_factory=dict)
    parent_drops: tuple[str, ...] | None = None
    """With ``itemsToParse``: the path removed from each parsed item's copy of its parent."""
    fast: FastEntity | None = None
    """The entity mapping in Python, when every field has a fast path (see ``_fast``)."""
    definition: tuple[str, dict[str, Any]] | None = None
    """``(key, resource as dumped)``: what a jq worker process compiles it again from."""
    jq_fields: tuple[str, ...] = ()
    """The fields (``selector.query``, ``port.entity.mappings.properties.x``) whose expression
    has no fast path: evaluated by the jq library, in a worker process (``_pool``)."""

    @property
    def needs_jq(self) -> bool:
        """Whether mapping an item may run the jq library on an arbitrary expression (the
        fast path's own fallbacks run only expressions it could parse, which end)."""
        return bool(self.jq_fields)

    def expand(self, item: Any) -> list[Any]:
        """The items to map from one raw item: the item itself or, with ``itemsToParse``, one
        item per element (under ``itemsToParseName``); then only those the selector keeps."""
        if self.items_to_parse is None:
            return [item] if self.selected(item) else []
        children = self._run(self.items_to_parse, item, "port.itemsToParse")
        if children is None:
            return []
        if not isinstance(children, list):
            got = f"{type(children).__name__} {children!r}"
            raise ItemMappingError("port.itemsToParse", f"must give a list, got {got[:200]}")
        parent = item if self.parent_drops is None else _without(item, self.parent_drops)
        expanded = [{**parent, self.items_to_parse_name: child} for child in children]
        return [child for child in expanded if self.selected(child)]

    def selected(self, item: Any) -> bool:
        if self.selector is None:  # the selector is the constant `true`
            return True
        verdict = self._run(self.selector, item, "selector.query")
        if isinstance(verdict, bool):
            return verdict
        raise ItemMappingError("selector.query", f"must give true or false, got {verdict!r}")

    def keys(self, item: Any, *, dropped_only: bool = False) -> list[tuple[Any, Any]]:
        """``(blueprint, identifier)`` of the entities ``item`` maps to, evaluating only those
        two fields and not the selector: for an item the source reports deleted, whatever it
        looks like now. With ``dropped_only``, only those of the children the selector drops
        (an item that changed so that its entity no longer belongs). Values are unchecked;
        raises ``ItemMappingError`` as ``map`` does."""
        if self.items_to_parse is None:
            children = [item]
        else:
            found = self._run(self.items_to_parse, item, "port.itemsToParse")
            children = found if isinstance(found, list) else []
            parent = item if self.parent_drops is None else _without(item, self.parent_drops)
            children = [{**parent, self.items_to_parse_name: child} for child in children]
        if dropped_only:
            children = [child for child in children if not self.selected(child)]
        return [
            (self._run(self.fields[f"{_BASE}.blueprint"], child, f"{_BASE}.blueprint"),
             self._run(self.fields[f"{_BASE}.identifier"], child, f"{_BASE}.identifier"))
            for child in children
        ]

    def map(self, item: Any) -> MappedItem:
        """Evaluate the entity mapping on one item; raises ``ItemMappingError`` naming the field."""
        try:
            out = None if self.fast is None else self.fast(item)
        except ItemLimitError as exc:
            raise ItemMappingError("item", str(exc)) from None
        if out is None:
            try:
                out = jq_input(self.combined, item).first()
            except UnreadableItem as exc:
                raise ItemMappingError("item", str(exc)) from None
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
        raise ItemMappingError(_BASE, "jq error")

    @staticmethod
    def _run(program: Any, item: Any, field: str) -> Any:
        try:
            if isinstance(program, Expression):
                return program.first(item)
            return jq_input(program, item).first()
        except StopIteration:
            return None
        except (UnreadableItem, ItemLimitError) as exc:
            raise ItemMappingError("item", str(exc)) from None
        except ValueError as exc:
            raise ItemMappingError(field, f"jq error: {exc}") from exc


def kind_label(kind: Any) -> str:
    """How a message names a resource's kind: ``kind "pull-request"``."""
    return f"kind {json.dumps(kind)}" if isinstance(kind, str) else "kind missing"


def compile_error(
    expression: str, where: str, kind: Any, source: str | None = None
) -> tuple[Any, ConfigProblem | None]:
    """Compile one expression: the program, or the problem naming field, kind and expression."""
    try:
        return compile_jq(expression), None
    except ValueError as exc:
        reason = str(exc).splitlines()[0].removeprefix("jq: error: ").rstrip(":")
        hint = ""
        if "'" in expression:
            hint = "; jq strings take double quotes, in YAML write e.g. '\"text\"'"
        message = (
            f"jq compile error: {reason} ({kind_label(kind)}, expression: {expression!r}){hint}"
        )
        return None, ConfigProblem(where, message, source)


def compile_resource(
    resource: Resource, index: int, problems: list[ConfigProblem], source: str | None
) -> CompiledResource | None:
    """Compile one resource, adding a problem per expression that does not compile."""
    found: list[ConfigProblem] = []
    fields: dict[str, Any] = {}
    programs: dict[str, Any] = {}
    m = resource.port.entity.mappings
    raw = resource.model_dump(by_alias=True, exclude_none=True)
    for where, expression in expressions(raw):
        program, problem = compile_error(
            expression, f"resources[{index}].{where}", resource.kind, source
        )
        if problem is not None:
            found.append(problem)
        programs[where] = program
        if where.startswith(_BASE):
            fields[where] = program
    problems.extend(found)
    if found:
        return None
    slow = tuple(where for where, text in expressions(raw)
                 if where != "selector.query" or text.strip() != "true"
                 if compile_fast(text) is None)
    parts = {name: _first(getattr(m, name) or "null") for name in _FIELDS}
    combined_text = (
        "{" + ", ".join(f"{name}: {text}" for name, text in parts.items())
        + f", properties: {_object(m.properties)}, relations: {_object(m.relations)}" + "}"
    )
    port = resource.port
    drops = None
    if port.items_to_parse is not None and port.items_to_parse_top_level_transform:
        drops = plain_path(port.items_to_parse)
    query = resource.selector.query
    items = port.items_to_parse
    return CompiledResource(
        kind=resource.kind,
        index=index,
        selector=None if query.strip() == "true" else Expression.compile(
            query, programs["selector.query"]
        ),
        items_to_parse=None if items is None else Expression.compile(
            items, programs["port.itemsToParse"]
        ),
        items_to_parse_name=port.items_to_parse_name,
        combined=compile_jq(combined_text),
        fields=fields,
        parent_drops=drops,
        fast=fast_entity(
            {name: getattr(m, name) for name in _FIELDS}, m.properties, m.relations
        ),
        definition=(hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS))
                    .hexdigest(), raw),
        jq_fields=slow,
    )
