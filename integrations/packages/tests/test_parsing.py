"""The metadata parsing helpers, on plain strings."""

from __future__ import annotations

import pytest

from integrations.packages._parsing import (
    Requirement,
    clean,
    normalize_name,
    parse_requirement,
    runtime_requirements,
    select_homepage,
    select_license,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("requests", "requests"),
        ("Pydantic_Core", "pydantic-core"),
        ("zope.interface", "zope-interface"),
        ("Foo-._Bar", "foo-bar"),
        ("ruamel.yaml.clib", "ruamel-yaml-clib"),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("anyio", Requirement("anyio", "", None)),
        ("anyio>=4.4", Requirement("anyio", ">=4.4", None)),
        ("typing_extensions >=4.6, <5", Requirement("typing-extensions", ">=4.6, <5", None)),
        ("Foo.Bar (>=1.0,<2)", Requirement("foo-bar", ">=1.0,<2", None)),
        (
            "uvicorn[standard]>=0.20; python_version >= '3.8'",
            Requirement("uvicorn", ">=0.20", "python_version >= '3.8'", ("standard",)),
        ),
        (
            "pkg @ https://example.org/pkg.whl ; sys_platform == 'linux'",
            Requirement("pkg", "@ https://example.org/pkg.whl", "sys_platform == 'linux'"),
        ),
        ("pytest; extra == 'test'", Requirement("pytest", "", "extra == 'test'")),
    ],
)
def test_parse_requirement(line: str, expected: Requirement) -> None:
    assert parse_requirement(line) == expected


@pytest.mark.parametrize("line", ["", "   ", ">=1.0", "-bad-name", "; extra == 'x'"])
def test_parse_requirement_refuses_lines_without_a_name(line: str) -> None:
    assert parse_requirement(line) is None


@pytest.mark.parametrize(
    ("marker", "needs_extra"),
    [
        ('extra == "test"', True),
        ("extra=='docs'", True),
        ("python_version < '3.11' and extra == 'toml'", True),
        ("'cli' == extra", True),
        ("python_version < '3.11'", False),
        ("platform_release == 'extra'", False),
    ],
)
def test_needs_extra(marker: str, needs_extra: bool) -> None:
    assert Requirement("x", "", marker).needs_extra is needs_extra


def test_runtime_requirements_drop_extras_dedupe_and_sort() -> None:
    lines = [
        "zeta>=1",
        "alpha; python_version < '3.11'",
        "Alpha>=2; python_version >= '3.11'",  # same name: the first line wins
        "pytest; extra == 'test'",
        "!!! not a requirement",
    ]
    assert runtime_requirements(lines) == [
        Requirement("alpha", "", "python_version < '3.11'"),
        Requirement("zeta", ">=1", None),
    ]


@pytest.mark.parametrize("value", [None, "", "  ", "UNKNOWN", "None"])
def test_clean_turns_placeholders_into_none(value: str | None) -> None:
    assert clean(value) is None


def test_clean_strips() -> None:
    assert clean("  MIT ") == "MIT"


def test_license_prefers_the_spdx_expression() -> None:
    classifiers = ["License :: OSI Approved :: MIT License"]
    assert select_license("MIT OR Apache-2.0", "MIT", classifiers) == "MIT OR Apache-2.0"


def test_license_uses_a_short_license_field() -> None:
    assert select_license(None, "BSD-3-Clause", []) == "BSD-3-Clause"


def test_license_text_falls_back_to_classifiers() -> None:
    text = "Copyright (c) 2024 Someone\n\nPermission is hereby granted, free of charge..."
    classifiers = [
        "Programming Language :: Python",
        "License :: OSI Approved :: MIT License",
        "License :: OSI Approved :: MIT License",
        "License :: OSI Approved :: Apache Software License",
    ]
    assert select_license(None, text, classifiers) == "MIT License, Apache Software License"


def test_license_may_be_none() -> None:
    assert select_license(None, "UNKNOWN", ["License :: "]) is None
    assert select_license("", None, ["Topic :: Utilities"]) is None


def test_homepage_prefers_home_page() -> None:
    assert select_homepage("https://a.example", ["Homepage, https://b.example"]) == (
        "https://a.example"
    )


def test_homepage_falls_back_to_the_most_telling_project_url() -> None:
    urls = [
        "Bug Tracker, https://bugs.example",
        "Source, https://src.example",
        "Home page, https://home.example",
    ]
    assert select_homepage("UNKNOWN", urls) == "https://home.example"
    assert select_homepage(None, urls[:2]) == "https://src.example"


def test_homepage_may_be_none() -> None:
    assert select_homepage(None, ["Bug Tracker, https://bugs.example", "garbage"]) is None
