"""CODEOWNERS patterns, on plain strings: GitHub's documented examples and the edge cases."""

from __future__ import annotations

import pytest

from integrations.git._codeowners import owner_of, ownership, parse


def owners(text: str, path: str) -> tuple[str, ...] | None:
    rule = owner_of(parse(text), path)
    return rule.owners if rule is not None else None


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*", "a/b/c.txt", True),
        ("*.js", "app.js", True),
        ("*.js", "web/src/app.js", True),
        ("*.js", "app.jsx", False),
        ("/build/logs/", "build/logs/today/run.log", True),
        ("/build/logs/", "src/build/logs/run.log", False),
        ("docs/*", "docs/getting-started.md", True),
        ("docs/*", "docs/build-app/troubleshooting.md", False),  # only direct files
        ("apps/", "apps/web/index.ts", True),
        ("apps/", "services/apps/worker.py", True),  # no inner slash: at any depth
        ("apps/", "apps", False),  # a trailing slash matches folders only
        ("/docs/", "docs/guide.md", True),
        ("/docs/", "src/docs/guide.md", False),
        ("apps/github", "apps/github/ci.yml", True),
        ("apps/github", "x/apps/github/ci.yml", False),  # an inner slash anchors
        ("**/logs", "deeply/nested/logs/a.log", True),
        ("**/logs", "logs/a.log", True),
        ("/scripts/**", "scripts/deploy/run.sh", True),
        ("a/**/b.txt", "a/b.txt", True),
        ("a/**/b.txt", "a/x/y/b.txt", True),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file/.txt", False),
        ("Makefile", "tools/Makefile", True),
        ("\\#notes.md", "#notes.md", True),
        ("!keep.txt", "keep.txt", False),  # negation is not supported: never matches
        ("[ab].txt", "a.txt", False),  # ranges are not supported either
    ],
)
def test_patterns(pattern: str, path: str, matches: bool) -> None:
    assert (owners(f"{pattern} @owner\n", path) is not None) is matches


def test_the_last_matching_rule_wins_and_can_clear_owners() -> None:
    text = """
# comment line
*             @everyone
/apps/        @octocat   # inline comment
/apps/github
*.go          dev@example.com @acme/go
"""
    assert owners(text, "README.md") == ("@everyone",)
    assert owners(text, "apps/web/index.ts") == ("@octocat",)
    assert owners(text, "apps/github/ci.yml") == ()
    assert owners(text, "apps/github/main.go") == ("dev@example.com", "@acme/go")
    rules = parse(text)
    assert [rule.line for rule in rules] == [3, 4, 5, 6]
    owned = dict(ownership(rules, ["README.md", "apps/github/ci.yml", "apps/x.go"]))
    assert sorted(owned) == ["README.md", "apps/x.go"]
    assert owned["apps/x.go"].pattern == "*.go"


def test_no_rule_no_owner() -> None:
    assert owners("/src/ @a\n", "docs/x.md") is None
    assert parse("\n   \n# only comments\n") == []
