"""Pure helpers that turn core-metadata fields into clean values.

They live apart from the ``importlib.metadata`` walk so they can be unit tested on plain
strings, and they use small regular expressions instead of ``packaging`` so this integration
adds no dependency to ``ocean_core``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[-_.]+")

# PEP 508 name, then optional [extras], then the version or URL part up to the marker.
_REQUIREMENT = re.compile(
    r"""^\s*
    (?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)
    \s*(?:\[(?P<extras>[^\]]*)\])?
    \s*(?P<spec>[^;]*?)
    \s*(?:;\s*(?P<marker>.*?))?\s*$""",
    re.VERBOSE,
)

# ``extra == "x"`` or the reversed ``"x" == extra``, with any quoting and spacing.
_EXTRA_MARKER = re.compile(r"\bextra\s*==|==\s*extra\b")

_PLACEHOLDERS = frozenset({"", "unknown", "none", "null", "n/a"})
"""Values old build tools wrote when a field was not set; they mean "no value"."""

_HOMEPAGE_LABELS = ("homepage", "home", "source", "sourcecode", "repository", "repo", "code")
"""Project-URL labels, most telling first, that can stand in for a missing Home-page."""

_MAX_LICENSE_LENGTH = 100
"""A License field longer than this (or multi-line) is the license text, not its name."""


def normalize_name(name: str) -> str:
    """The PEP 503 form of a distribution name, so ``Foo_Bar`` and ``foo-bar`` are one package."""
    return _SEPARATORS.sub("-", name).lower()


def clean(value: object) -> str | None:
    """A metadata value stripped, or ``None`` when it is missing or a placeholder."""
    if value is None:
        return None
    text = str(value).strip()
    return None if text.lower() in _PLACEHOLDERS else text


@dataclass(frozen=True, slots=True)
class Requirement:
    """One ``Requires-Dist`` line, split into the parts this integration reports."""

    name: str
    specifier: str
    marker: str | None
    extras: tuple[str, ...] = ()

    @property
    def needs_extra(self) -> bool:
        """True when the requirement applies only with an extra, i.e. is not always installed."""
        return self.marker is not None and _EXTRA_MARKER.search(self.marker) is not None


def parse_requirement(line: str) -> Requirement | None:
    """Parse a ``Requires-Dist`` value; ``None`` when it does not start with a valid name.

    The name is normalized; a legacy parenthesized specifier (``foo (>=1)``) loses its
    parentheses so that every specifier reads the same way.
    """
    match = _REQUIREMENT.match(line)
    if match is None:
        return None
    spec = match["spec"].strip()
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1].strip()
    extras = tuple(e.strip() for e in (match["extras"] or "").split(",") if e.strip())
    marker = (match["marker"] or "").strip() or None
    return Requirement(normalize_name(match["name"]), spec, marker, extras)


def runtime_requirements(lines: Iterable[str]) -> list[Requirement]:
    """The requirements installed with the bare package: one per name, first line wins.

    Lines gated by an extra are dropped; lines that do not parse are skipped rather than
    failing the whole package, because one odd line should not hide a distribution.
    """
    seen: dict[str, Requirement] = {}
    for line in lines:
        requirement = parse_requirement(line)
        if requirement is None or requirement.needs_extra:
            continue
        seen.setdefault(requirement.name, requirement)
    return [seen[name] for name in sorted(seen)]


def select_license(
    expression: str | None, license_field: str | None, classifiers: Iterable[str]
) -> str | None:
    """The best short license name: SPDX expression, then a short License, then classifiers.

    Many distributions paste the whole license text into ``License``; that is not a name, so
    it is skipped in favour of the ``License ::`` trove classifiers.
    """
    if (spdx := clean(expression)) is not None:
        return spdx
    short = clean(license_field)
    if short is not None and "\n" not in short and len(short) <= _MAX_LICENSE_LENGTH:
        return short
    names: list[str] = []
    for classifier in classifiers:
        parts = [part.strip() for part in classifier.split("::")]
        if len(parts) > 1 and parts[0] == "License" and parts[-1] not in names:
            names.append(parts[-1])
    return ", ".join(names) or None


def _label_key(label: str) -> str:
    # Project-URL labels compare without case, spaces or punctuation ("Home page" == "homepage").
    return re.sub(r"[^a-z0-9]", "", label.lower())


def select_homepage(home_page: str | None, project_urls: Iterable[str]) -> str | None:
    """``Home-page`` if set, else the most telling ``Project-URL`` (``Label, URL`` lines)."""
    if (url := clean(home_page)) is not None:
        return url
    by_label: dict[str, str] = {}
    for entry in project_urls:
        label, sep, link = entry.partition(",")
        if sep and (link_text := clean(link)) is not None:
            by_label.setdefault(_label_key(label), link_text)
    return next((by_label[label] for label in _HOMEPAGE_LABELS if label in by_label), None)
