"""The Port Ocean resource format: what loads, how it maps, and how every problem reads."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from ocean_core import MappingError, Ocean, ResyncStatus
from ocean_core.catalog import MemoryCatalog
from ocean_core.mapping import Selector, load_mapping
from tests.mapping._samples import Samples

pytestmark = pytest.mark.anyio


def _resource(kind: str = "svc", **mappings: Any) -> dict[str, Any]:
    return {"kind": kind, "selector": {"query": "true"}, "port": {"entity": {"mappings": {
        "identifier": ".id", "blueprint": '"svc"', **mappings}}}}


def _problems(data: Any, kinds: set[str] | None = None) -> list[str]:
    with pytest.raises(MappingError) as caught:
        load_mapping(data, source="mapping.yaml", kinds=kinds or {"svc", "pull-request"})
    return [str(p) for p in caught.value.problems]


def test_single_quoted_jq_strings_are_yaml_quoting_of_jq_literals() -> None:
    text = """
resources:
  - kind: svc
    selector: {query: 'true'}
    port:
      entity:
        mappings:
          identifier: .id
          blueprint: '"service"'
          title: '.name + " (" + .env + ")"'
          properties: {tier: '"gold"', answer: 42}
"""
    compiled = load_mapping(yaml.safe_load(text), kinds={"svc"})
    mapped = compiled.resources[0].map({"id": "a", "name": "A", "env": "prod"})
    assert (mapped.blueprint, mapped.title) == ("service", "A (prod)")
    assert mapped.properties == {"tier": "gold", "answer": 42}  # a YAML number is a jq literal


def test_every_problem_at_once_each_naming_file_path_kind_and_value() -> None:
    bad = _resource("pull-request", identifier=".id |||", properties={"url": ".url |||"})
    bad["colour"] = "red"
    data = {"resources": [_resource(), bad, _resource("nope")], "enableMerge": True}

    problems = _problems(data)

    assert problems == [
        "mapping.yaml: enableMerge: unknown key; did you mean 'enableMergeEntity'?",
        "mapping.yaml: resources[1].colour: unknown key (kind \"pull-request\");"
        " resources[] takes: kind, selector, port",
        "mapping.yaml: resources[1].port.entity.mappings.identifier: jq compile error: syntax"
        " error, unexpected '|' at <top-level>, line 1, column 6 (kind \"pull-request\","
        " expression: '.id |||')",
        "mapping.yaml: resources[1].port.entity.mappings.properties.url: jq compile error:"
        " syntax error, unexpected '|' at <top-level>, line 1, column 7 (kind"
        " \"pull-request\", expression: '.url |||')",
        "mapping.yaml: resources[2].kind: no fetcher provides kind 'nope' (kind \"nope\","
        " declared kinds: pull-request, svc)",
    ]


def test_jq_errors_and_kinds_are_reported_even_when_the_shape_is_right() -> None:
    problems = _problems({"resources": [_resource("nope", title="'x'")]})

    assert problems[0].startswith("mapping.yaml: resources[0].kind: no fetcher provides")
    assert problems[1].startswith(
        "mapping.yaml: resources[0].port.entity.mappings.title: jq compile error:")
    assert "jq strings take double quotes" in problems[1]


@pytest.mark.parametrize(
    ("resource", "path", "words"),
    [
        ({"kind": "svc", "port": {"entity": {"identifier": ".id", "mappings": {
            "identifier": ".id", "blueprint": '"b"'}}}},
         "resources[0].port.entity.identifier", "belong under port.entity.mappings"),
        (_resource(properties={"on": True}), "resources[0].port.entity.mappings.properties.on",
         "got boolean true; quote it for YAML: 'true'"),
        (_resource(relations={"svc": [".a", ".b"]}),
         "resources[0].port.entity.mappings.relations.svc", "e.g. '[.a, .b]'"),
        (_resource(identifier={"combinator": '"and"', "rules": []}),
         "resources[0].port.entity.mappings.identifier", "search-query identifiers"),
        (_resource(relations={"svc": {"combinator": '"and"', "rules": [{"property": '"x"'}]}}),
         "resources[0].port.entity.mappings.relations.svc.rules[0].operator", "Field required"),
        ({"kind": "svc", "port": {"entity": {"mappings": {"blueprint": '"b"'}}}},
         "resources[0].port.entity.mappings.identifier", "Field required (kind \"svc\")"),
    ],
)
def test_shape_problems_read_clearly(resource: dict[str, Any], path: str, words: str) -> None:
    problem = _problems({"resources": [resource]})[0]

    assert problem.startswith(f"mapping.yaml: {path}: "), problem
    assert words in problem and '(kind "svc"' in problem


class _JqlSelector(Selector):
    jql: str | None = None
    max_results: int = 50


def _with_selector(**selector: Any) -> dict[str, Any]:
    return {**_resource(), "selector": {"query": "true", **selector}}


def test_the_generic_parser_keeps_extra_selector_keys_unchecked() -> None:
    compiled = load_mapping({"resources": [_with_selector(jql="x", anything=[1])]})

    [selector] = compiled.selectors
    assert type(selector) is Selector
    assert selector.query == "true" and selector.model_extra == {"jql": "x", "anything": [1]}


def test_the_base_selector_model_refuses_other_keys() -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping({"resources": [_with_selector(jql="x")]}, source="mapping.yaml",
                     kinds={"svc"}, selector_model=Selector)

    assert [str(p) for p in caught.value.problems] == [
        "mapping.yaml: resources[0].selector.jql: unknown key (kind \"svc\"); the"
        " selector takes only 'query' (this integration declares no selector keys of its own:"
        " see Integration.selector_model)",
    ]


def test_an_integration_selector_model_is_validated_with_every_other_problem() -> None:
    data = {"resources": [
        _with_selector(jql="project = ABC"),
        _with_selector(jqll="x", max_results="many"),
        {**_with_selector(colour="red"), "kind": "nope"},
        {**_resource(identifier=".id |||"), "selector": {"query": [1], "jql": 3}},
    ]}

    with pytest.raises(MappingError) as caught:
        load_mapping(data, source="mapping.yaml", kinds={"svc"}, selector_model=_JqlSelector)

    assert [str(p) for p in caught.value.problems] == [
        "mapping.yaml: resources[1].selector.max_results: Input should be a valid integer,"
        " unable to parse string as an integer (kind \"svc\", got \"many\")",
        "mapping.yaml: resources[1].selector.jqll: unknown key (kind \"svc\");"
        " did you mean 'jql'?",
        "mapping.yaml: resources[2].selector.colour: unknown key (kind \"nope\");"
        " resources[].selector takes: query, jql, max_results",
        "mapping.yaml: resources[2].kind: no fetcher provides kind 'nope' (kind \"nope\","
        " declared kinds: svc)",
        "mapping.yaml: resources[3].selector.query: must be a jq expression (a string), got a"
        " list; to collect several values write one expression, e.g. '[.a, .b]' (kind \"svc\")",
        "mapping.yaml: resources[3].selector.jql: Input should be a valid string"
        " (kind \"svc\", got 3)",
        "mapping.yaml: resources[3].port.entity.mappings.identifier: jq compile error: syntax"
        " error, unexpected '|' at <top-level>, line 1, column 6 (kind \"svc\","
        " expression: '.id |||')",
    ]


def test_a_valid_selector_is_an_instance_of_the_model() -> None:
    data = {"resources": [_with_selector(jql="project = ABC"), _resource()]}

    compiled = load_mapping(data, kinds={"svc"}, selector_model=_JqlSelector)

    assert compiled.selectors == [
        _JqlSelector(query="true", jql="project = ABC"), _JqlSelector(query="true")
    ]
    assert all(type(s) is _JqlSelector for s in compiled.selectors)


def test_top_level_flags_and_items_to_parse_keys_are_accepted() -> None:
    data = {
        "deleteDependentEntities": True, "createMissingRelatedEntities": False,
        "enableMergeEntity": True, "entityDeletionThreshold": 0.3,
        "resources": [{**_resource(), "port": {
            "itemsToParse": ".children", "itemsToParseName": "child",
            "itemsToParseTopLevelTransform": False,
            "entity": {"mappings": {"identifier": ".child.id", "blueprint": '"c"',
                                    "properties": {"siblings": ".children | length"}}}}}],
    }
    compiled = load_mapping(data, kinds={"svc"})
    [child] = compiled.resources[0].expand({"children": [{"id": "x"}]})
    assert compiled.spec.entity_deletion_threshold == 0.3
    assert compiled.resources[0].map(child).properties == {"siblings": 1}


def test_selector_runs_on_each_parsed_item_and_the_parent_loses_the_array() -> None:
    resource = {**_resource(), "selector": {"query": '.item != "skip"'}, "port": {
        "itemsToParse": ".spec.tags",
        "entity": {"mappings": {"identifier": ".id + \":\" + .item", "blueprint": '"t"'}}}}
    compiled = load_mapping({"resources": [resource]}, kinds={"svc"}).resources[0]

    children = compiled.expand({"id": "a", "spec": {"tags": ["x", "skip", "y"], "keep": 1}})

    assert [c["item"] for c in children] == ["x", "y"]
    assert children[0]["spec"] == {"keep": 1}


class _One(Samples):
    pass


async def test_per_item_errors_name_resource_kind_and_field() -> None:
    data = {"svc": [{"id": "ok", "n": "1"}, {"id": None, "n": "2"}, {"id": 5, "n": "3"},
                    {"id": "bad", "n": "x"}]}
    mapping = {"resources": [_resource(properties={"n": ".n | tonumber"})]}
    ocean = Ocean(_One(data), catalog=MemoryCatalog(), mapping=mapping, integration_id="i")

    result = await ocean.resync()

    stats = result.kinds["svc"]
    assert result.status is ResyncStatus.FAILED and stats.errors == 3
    messages = [d.message for d in stats.error_details]
    assert messages[0] == (
        'mapping resources[0].port.entity.mappings.identifier is null (kind "svc")')
    assert messages[1] == ('mapping resources[0].port.entity.mappings.identifier must be a'
                           ' string, got int 5 (kind "svc")')
    assert messages[2].startswith(
        "mapping resources[0].port.entity.mappings.properties.n: jq error:")
    assert messages[2].endswith('(kind "svc")')
    assert '"bad"' in (stats.error_details[2].item or "")  # the item as JSON
