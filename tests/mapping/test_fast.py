"""Focused examples of every fast-path feature and jq semantic; each is checked against the
``jq`` library too, so the expected values document what jq really does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jq
import pytest
import yaml

from integrations.fake.integration import make_item
from ocean_core.mapping._fast import FastJqError, NeedJq, compile_fast

ROOT = Path(__file__).resolve().parents[2]
ERROR = object()
"""Expected: jq raises an error."""
COMMA = object()
"""Expected: the expression uses ``,`` and is outside the subset."""

CASES: list[tuple[str, Any, Any]] = [
    # paths
    (".", {"a": 1}, {"a": 1}),
    (".a", {"a": 1}, 1),
    (".a.b", {"a": {"b": "x"}}, "x"),
    ('."a b"', {"a b": 2}, 2),
    ('.["k"]', {"k": 3}, 3),
    (".[0]", [5, 6], 5),
    (".[-1]", [5, 6], 6),
    (".[5]", [5, 6], None),
    (".[-3]", [5, 6], None),
    (".a[0].b", {"a": [{"b": 1}]}, 1),
    (".a", None, None),
    (".a.b", {"a": None}, None),
    (".a", "text", ERROR),
    (".a", 3, ERROR),
    (".a", [1], ERROR),
    (".[0]", None, None),
    (".[0]", {"a": 1}, ERROR),
    (".[0]", "abc", ERROR),
    # numbers come back through a double
    (".a", {"a": 1.0}, 1),
    (".a", {"a": 1.5}, 1.5),
    (".a", {"a": 12345678901234567890}, 12345678901234567168),
    ("1.0", None, 1),
    # literals
    ('"service"', None, "service"),
    ('"tab\\tq\\"\\u00e9\\ud83d\\ude00"', None, 'tab\tq"é\U0001f600'),
    ("true", None, True),
    ("null", {}, None),
    ("[]", None, []),
    # pipes, alternative, select
    (".a | .b", {"a": {"b": 2}}, 2),
    (".a // .b", {"a": False, "b": 3}, 3),
    (".a // .b", {"a": 0, "b": 3}, 0),
    (".a // null", {}, None),
    (".a.b // 1", {"a": "s"}, ERROR),  # errors on the left of // propagate
    ("select(.a)", {"a": False}, None),
    ("select(.a) | .b", {"a": 1, "b": 2}, 2),
    (".a // .b", "s", ERROR),
    # construction and interpolation
    ("{a: .x, b}", {"x": 1, "b": 2}, {"a": 1, "b": 2}),
    ('{"a b": .x}', {"x": 1}, {"a b": 1}),
    ("[.a]", {"a": 1}, [1]),
    ("[select(false)]", None, []),
    ("{a: select(false), b: .x}", 1, None),  # entries left to right: empty before error
    ("{a: .x, b: select(false)}", 1, ERROR),
    ('"\\(.a)/\\(.b)"', {"a": "o", "b": 2}, "o/2"),
    ('"\\(.)"', {"b": [1, "x", None], "a": True}, '{"b":[1,"x",null],"a":true}'),
    ('"\\(select(false))\\(.x)"', 1, ERROR),  # the last part is evaluated first
    ('"\\(.x)\\(select(false))"', 1, None),
    # builtins
    ("map(.name)", [{"name": "a"}, {}], ["a", None]),
    ("map(select(.))", [1, False, None, 2], [1, 2]),
    ("map(.)", {"a": 1}, [1]),
    ("map(.)", None, ERROR),
    ("tostring", "s", "s"),
    ("tostring", 12, "12"),
    ("tostring", [1, None, "x"], '[1,null,"x"]'),
    ("tonumber", "12", 12),
    ("tonumber", "1.5", 1.5),
    ("tonumber", "1.0", 1),
    ("tonumber", "abc", ERROR),
    ("tonumber", 7, 7),
    ("tonumber", True, ERROR),
    ("length", None, 0),
    ("length", -3, 3),
    ("length", -3.5, 3.5),
    ("length", "héé", 3),
    ("length", {"a": 1}, 1),
    ("length", True, ERROR),
    ("keys", {"b": 1, "a": 2, "B": 3, "é": 4}, ["B", "a", "b", "é"]),
    ("keys", [4, 5], [0, 1]),
    ("keys", None, ERROR),
    ("ascii_downcase", "ÀBc", "Àbc"),
    ("ascii_upcase", "aé", "Aé"),
    ("ascii_downcase", 1, ERROR),
    ('split(",")', "a,b,,c", ["a", "b", "", "c"]),
    ('split(",")', "", []),
    ('split("")', "é😀", ["é", "😀"]),
    ('split(",")', 1, ERROR),
    ('join(",")', ["a", None, 1, True], "a,,1,true"),
    ('join(",")', [], ""),
    ('join(",")', {"x": "a", "y": "b"}, "a,b"),
    ('join(",")', [[1]], ERROR),
    ('join(",")', None, ERROR),
    ('test("^a.c$")', "abc", True),
    ('test("[0-9]+")', "ab", False),
    ('test("a")', 1, ERROR),
    ('startswith("a")', "abc", True),
    ('endswith("c")', "abc", True),
    ('startswith("a")', 1, ERROR),
    ('ltrimstr("a")', "abc", "bc"),
    ('rtrimstr("c")', "abc", "ab"),
    ('rtrimstr("")', "ab", "ab"),
    ('ltrimstr("a")', 1, ERROR),
    ("not", 0, False),
    ("not", None, True),
    ('has("a")', {"a": None}, True),
    ('has("a")', None, False),
    ('has("a")', [1], ERROR),
    ("has(0)", [1], True),
    ("type", 1.0, "number"),
    ("type", None, "null"),
    ("first", [1, 2], 1),
    ("last", [1, 2], 2),
    ("first", [], None),
    ("first", {"a": 1}, ERROR),
    ("add", [1, 2], 3),
    ("add", ["a", None, "b"], "ab"),
    ("add", [], None),
    ("add", [[1], [2]], [1, 2]),
    ("add", None, ERROR),
    # comparisons: jq's total order, 1 == 1.0, booleans are not numbers
    ("1 == 1.0", None, True),
    (". == 1", True, False),
    (". < 1", True, True),
    ("null < false", None, True),
    ("[] < {}", None, True),
    ('"a" < []', None, True),
    ('"a" < "B"', None, False),
    ("[1, 2] < [1, 3]", None, COMMA),
    ('{"a": 1} < {"b": 0}', None, True),
    ('{"b": 1} < {"a": 1, "c": 1}', None, False),
    (".a == .b", {"a": {"x": 1}, "b": {"x": 1.0}}, True),
    # logic and conditionals
    ("1 and null", None, False),
    ("false or 0", None, True),
    (".a and .b", {"a": None}, False),
    ("if . then 1 end", None, None),
    ("if . then 1 end", 5, 1),
    ("if . then 1 elif . == null then 2 else 3 end", None, 2),
    ("if select(false) then 1 else 2 end", 1, None),
    # arithmetic
    ("-.", 1.0, -1),
    ("-.", "a", ERROR),
    ("1 + 2 * 3", None, 7),
    ("1 - 2 - 3", None, -4),
    ("1 / 3", None, 1 / 3),
    ("6 / 2", None, 3),
    ("1 / 0", None, ERROR),
    (". + 1", 1.5, 2.5),
    ('"x" + null', None, "x"),
    ("null + null", None, None),
    ('"a" + 1', None, ERROR),
    ("[1, 2] - [2]", None, COMMA),
    (".a - .b", {"a": [1, 2, 1], "b": [1]}, [2]),
    ("{} + {}", None, {}),
    ('"ab" * 2', None, "abab"),
    ('"ab" * -1', None, None),
    ('"ab" * 0', None, ""),
    ('{"a": {"b": 1}} * {"a": {"c": 2}}', None, {"a": {"b": 1, "c": 2}}),
    ("null - 1", None, ERROR),
    ('"a,b" / ","', None, ["a", "b"]),
    ("(.a) + select(false)", 1, None),  # the right side first: empty before error
    ("select(false) + (.a)", 1, ERROR),
]


def jq_result(expression: str, value: Any) -> Any:
    try:
        outputs = jq.compile(expression).input_value(value).all()
    except ValueError:
        return ERROR
    return outputs[0] if outputs else None


def fast_result(expression: str, value: Any) -> Any:
    fn = compile_fast(expression)
    assert fn is not None, expression
    try:
        return fn(value)
    except FastJqError:
        return ERROR


def _same(a: Any, b: Any) -> bool:
    if a is ERROR or b is ERROR:
        return a is b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize(("expression", "value", "expected"), CASES)
def test_example(expression: str, value: Any, expected: Any) -> None:
    if expected is COMMA:
        assert compile_fast(expression) is None
        return
    assert _same(jq_result(expression, value), expected), "jq disagrees with the table"
    assert _same(fast_result(expression, value), expected)


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("tostring", 1.0),  # jq prints the input's text: "1.0"
        ("tostring", 1e17),  # ... canonicalized: "1E+17"
        (".a + 1", {"a": 2**60}),
        ("tonumber", "01"),
        ("tonumber", "nan"),
        ('test("a")', "a\nb"),
        ("-. | tostring", 0),  # -0 prints as "-0"
    ],
)
def test_need_jq(expression: str, value: Any) -> None:
    fn = compile_fast(expression)
    assert fn is not None
    with pytest.raises(NeedJq):
        fn(value)


@pytest.mark.parametrize(
    "expression",
    [
        ".a, .b",
        ".[]",
        ".a?",
        "..",
        ".a as $x | $x",
        "$ENV",
        "reduce .[] as $x (0; . + $x)",
        '@base64 "x"',
        "{(.a): 1}",
        'test("a"; "i")',
        'test("(a|b)")',
        "has(.a)",
        "ascii",
        ".a = 1",
        "1 % 2",
        "1 < 2 < 3",
        "# comment",
        ".a |",
        '"unterminated',
    ],
)
def test_unsupported_returns_none(expression: str) -> None:
    assert compile_fast(expression) is None


PORT_OCEAN_EXPRESSIONS = [
    ".name",
    ".owner.login",
    ".html_url",
    '"\\(.owner.login)/\\(.name)"',
    ".labels | map(.name)",
    '.state == "open"',
    'if .merged_at then "merged" else .state end',
    ".fields.assignee.emailAddress // null",
    ".id | tostring",
    '.topics | join(",")',
    '"service"',
    '.name + " " + (.version // "?")',
    ".requires | length",
    ".fields.status.name | ascii_downcase",
    '.title | test("^\\\\[WIP\\\\]")',
    '.ref | ltrimstr("refs/heads/")',
    '{login: .user.login, admin: (.role == "admin")}',
    '[.labels[0].name // "none"]',
]
GITHUB_LIKE = {
    "name": "repo",
    "owner": {"login": "octo"},
    "html_url": "https://github.com/octo/repo",
    "labels": [{"name": "bug"}, {"name": "ui"}],
    "state": "open",
    "merged_at": None,
    "fields": {"assignee": {"emailAddress": "a@b.c"}, "status": {"name": "In Progress"}},
    "id": 42,
    "topics": ["a", "b"],
    "version": None,
    "requires": ["x"],
    "title": "[WIP] thing",
    "ref": "refs/heads/main",
    "user": {"login": "u"},
    "role": "admin",
}


@pytest.mark.parametrize("expression", PORT_OCEAN_EXPRESSIONS)
def test_typical_port_ocean_expressions_compile(expression: str) -> None:
    fn = compile_fast(expression)
    assert fn is not None, expression
    for item in (GITHUB_LIKE, {}, make_item("service", 3)):
        assert _same(fast_result(expression, item), jq_result(expression, item))


def _expressions(node: Any) -> list[str]:
    """Every string leaf under a resource's ``selector.query`` and ``port.entity.mappings``."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [e for value in node.values() for e in _expressions(value)]
    if isinstance(node, list):
        return [e for value in node for e in _expressions(value)]
    return []


def _shipped_mapping_expressions() -> list[tuple[str, str]]:
    files = sorted(ROOT.glob("integrations/*/mapping.yaml")) + sorted(
        ROOT.glob("examples/**/*.yaml")
    )
    found: list[tuple[str, str]] = []
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for resource in document.get("resources", []) if isinstance(document, dict) else []:
            parts = [resource.get("selector", {}), resource.get("port", {}).get("entity", {})]
            for expression in _expressions(parts):
                found.append((str(path.relative_to(ROOT)), expression))
    return found


SHIPPED = _shipped_mapping_expressions()


def _sample_items() -> list[Any]:
    items: list[Any] = [make_item("service", i) for i in (0, 1, 7)]
    items.append(
        {
            "name": "requests",
            "version": "2.31.0",
            "summary": "HTTP",
            "license": None,
            "homepage": "https://x",
            "requires_python": ">=3.8",
            "requires": ["idna", "urllib3"],
            "id": "requests->idna",
            "specifier": ">=2.5",
            "installed": "3.4",
            "package": "requests",
            "dependency": "idna",
        }
    )
    return [*items, {}, {"version": None, "requires": None}]


def test_shipped_mappings_found() -> None:
    assert len(SHIPPED) >= 10


@pytest.mark.parametrize(("path", "expression"), SHIPPED)
def test_shipped_mapping_expression(path: str, expression: str) -> None:
    fn = compile_fast(expression)
    if fn is None:
        return
    for item in _sample_items():
        want = jq_result(expression, item)
        try:
            got = fn(item)
        except FastJqError:
            got = ERROR
        except NeedJq:
            continue
        assert _same(got, want), (path, expression, item)
