"""The default mapping: both kinds, jq expressions that compile and map sample items."""

from __future__ import annotations

from typing import Any

import jq
import pytest

from integrations.packages import PackagesIntegration
from integrations.packages.integration import load_default_mapping

PACKAGE = {
    "name": "web-app",
    "version": "1.0",
    "summary": "A web app",
    "license": "MIT",
    "homepage": None,
    "requires_python": ">=3.11",
    "requires": ["lib-core", "missing-thing"],
    "location": "/somewhere",
}
EDGE = {
    "id": "web-app->lib-core",
    "package": "web-app",
    "dependency": "lib-core",
    "specifier": ">=2",
    "marker": None,
    "installed": True,
}


def _mappings(kind: str) -> dict[str, Any]:
    mapping = load_default_mapping()
    resource = next(r for r in mapping["resources"] if r["kind"] == kind)
    assert resource["selector"] == {"query": "true"}
    mappings: dict[str, Any] = resource["port"]["entity"]["mappings"]
    return mappings


def _evaluate(expression: str, item: dict[str, Any]) -> Any:
    return jq.compile(expression).input_value(item).first()


def test_mapping_has_both_kinds_in_order() -> None:
    mapping = load_default_mapping()
    assert [r["kind"] for r in mapping["resources"]] == ["package", "dependency"]
    assert PackagesIntegration.default_mapping == mapping


@pytest.mark.parametrize("kind", ["package", "dependency"])
def test_every_value_is_a_jq_expression(kind: str) -> None:
    mappings = _mappings(kind)
    for key in ("identifier", "title", "blueprint"):
        assert isinstance(mappings[key], str)
    for group in ("properties", "relations"):
        assert all(isinstance(v, str) for v in mappings[group].values())


def test_package_mapping() -> None:
    m = _mappings("package")
    assert _evaluate(m["identifier"], PACKAGE) == "web-app"
    assert _evaluate(m["title"], PACKAGE) == "web-app 1.0"
    assert _evaluate(m["blueprint"], PACKAGE) == "pythonPackage"
    properties = {key: _evaluate(expr, PACKAGE) for key, expr in m["properties"].items()}
    assert properties == {
        "version": "1.0",
        "summary": "A web app",
        "license": "MIT",
        "homepage": None,
        "requiresPython": ">=3.11",
        "requiresCount": 2,
    }
    relations = {key: _evaluate(expr, PACKAGE) for key, expr in m["relations"].items()}
    assert relations == {"dependsOn": ["lib-core", "missing-thing"]}


def test_dependency_mapping() -> None:
    m = _mappings("dependency")
    assert _evaluate(m["identifier"], EDGE) == _evaluate(m["title"], EDGE) == "web-app->lib-core"
    assert _evaluate(m["blueprint"], EDGE) == "pythonDependency"
    properties = {key: _evaluate(expr, EDGE) for key, expr in m["properties"].items()}
    assert properties == {"specifier": ">=2", "installed": True}
    relations = {key: _evaluate(expr, EDGE) for key, expr in m["relations"].items()}
    assert relations == {"package": "web-app", "dependency": "lib-core"}
