"""CODEOWNERS: parse the rules and find each file's owners, the last matching rule winning.

Patterns follow GitHub's reading of gitignore syntax:

- ``/`` at the start, or anywhere but the end, anchors a pattern at the repository root;
  otherwise it matches at any depth (``*.js``, ``docs/``).
- ``*`` and ``?`` never cross a ``/``; ``**`` does (``**/logs``, ``docs/**``, ``a/**/b``).
- A pattern that names a directory owns everything below it; a trailing ``/`` matches
  directories only; a last segment that is just ``*`` (``docs/*``) matches only the files
  directly in that folder, not deeper ones.
- ``!`` negation and ``[...]`` ranges are not supported by GitHub; such lines match nothing
  here either. ``\\#`` escapes a leading ``#``; a ``#`` after whitespace starts a comment.
- A rule without owners matches and leaves its files without owners.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

CANDIDATES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
"""Where GitHub looks for the file, in its order: the first one found is used."""


@dataclass(frozen=True)
class Rule:
    """One line of a CODEOWNERS file."""

    pattern: str
    owners: tuple[str, ...]
    line: int
    regex: re.Pattern[str] | None
    """None for a pattern GitHub does not support: it matches nothing."""
    directories_only: bool
    files_only: bool

    def matches(self, path: str) -> bool:
        """Whether this rule covers a file at ``path`` (slash-separated, relative to the root)."""
        if self.regex is None:
            return False
        if not self.directories_only and self.regex.fullmatch(path):
            return True
        if self.files_only:
            return False
        return any(self.regex.fullmatch(folder) for folder in _folders(path))


def _folders(path: str) -> Iterator[str]:
    """Every folder a file is in: ``a``, ``a/b`` for ``a/b/c.txt``."""
    index = path.find("/")
    while index != -1:
        yield path[:index]
        index = path.find("/", index + 1)


def _strip_comment(line: str) -> str:
    return re.split(r"\s#", line, maxsplit=1)[0].strip()


def parse(text: str) -> list[Rule]:
    """The rules of a CODEOWNERS file, in file order."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw)
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        rules.append(_rule(pattern, tuple(owners), number))
    return rules


def _rule(pattern: str, owners: tuple[str, ...], line: int) -> Rule:
    text = pattern.replace("\\#", "#")
    directories_only = text.endswith("/")
    body = text.strip("/") if text != "/" else ""
    files_only = body == "*" or body.endswith("/*")
    supported = body and not text.startswith("!") and "[" not in body
    regex = re.compile(_translate(body, anchored="/" in text.rstrip("/"))) if supported else None
    return Rule(pattern, owners, line, regex, directories_only, files_only)


def _translate(body: str, *, anchored: bool) -> str:
    out = [] if anchored else ["(?:.*/)?"]
    index = 0
    while index < len(body):
        if body.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif body.startswith("**", index):
            out.append(".*")
            index += 2
        elif body[index] == "*":
            out.append("[^/]*")
            index += 1
        elif body[index] == "?":
            out.append("[^/]")
            index += 1
        elif body[index] == "\\" and index + 1 < len(body):
            out.append(re.escape(body[index + 1]))
            index += 2
        else:
            out.append(re.escape(body[index]))
            index += 1
    return "".join(out)


def owner_of(rules: list[Rule], path: str) -> Rule | None:
    """The rule that decides ``path``: the last one that matches, or None."""
    return next((rule for rule in reversed(rules) if rule.matches(path)), None)


def ownership(rules: list[Rule], paths: Iterable[str]) -> Iterator[tuple[str, Rule]]:
    """(path, deciding rule) for every path whose deciding rule names owners."""
    for path in paths:
        rule = owner_of(rules, path)
        if rule is not None and rule.owners:
            yield path, rule
