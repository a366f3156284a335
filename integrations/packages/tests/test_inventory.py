"""Discovery and raw items, on a fake environment made of dist-info folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from integrations.packages._inventory import (
    chunked,
    dependency_records,
    discover,
    is_selected,
    package_record,
)

MakeDist = Callable[..., Path]


def _env(tmp_path: Path, make_dist: MakeDist) -> tuple[Path, Path]:
    first, second = tmp_path / "first", tmp_path / "second"
    make_dist(
        first,
        "Web_App",
        "1.0",
        "Summary: A web app",
        "License-Expression: MIT",
        "Project-URL: Source, https://src.example/web-app",
        "Requires-Python: >=3.11",
        "Requires-Dist: Lib.Core (>=2)",
        "Requires-Dist: missing-thing<3; python_version >= '3.8'",
        "Requires-Dist: pytest; extra == 'test'",
    )
    make_dist(first, "lib-core", "2.1", "Home-page: https://lib.example")
    make_dist(second, "lib_core", "9.9")  # shadowed: the first on the path wins
    make_dist(second, "aardvark", "0.1")
    (second / "broken-1.0.dist-info").mkdir()  # no METADATA: skipped, not fatal
    return first, second


def test_discover_sorts_dedupes_and_keeps_the_first_on_the_path(
    tmp_path: Path, make_dist: MakeDist
) -> None:
    first, second = _env(tmp_path, make_dist)
    installed = discover([str(first), str(second)])
    assert [name for name, _ in installed.selected] == ["aardvark", "lib-core", "web-app"]
    assert installed.names == {"aardvark", "lib-core", "web-app"}
    assert dict(installed.selected)["lib-core"].version == "2.1"


def test_discover_filters_but_knows_every_name(tmp_path: Path, make_dist: MakeDist) -> None:
    first, second = _env(tmp_path, make_dist)
    installed = discover([str(first), str(second)], include=["Web_*", "lib*"], exclude=["lib.*"])
    assert [name for name, _ in installed.selected] == ["web-app"]
    assert installed.names == {"aardvark", "lib-core", "web-app"}


def test_package_record(tmp_path: Path, make_dist: MakeDist) -> None:
    first, second = _env(tmp_path, make_dist)
    selected = dict(discover([str(first), str(second)]).selected)
    assert package_record("web-app", selected["web-app"]) == {
        "name": "web-app",
        "version": "1.0",
        "summary": "A web app",
        "license": "MIT",
        "homepage": "https://src.example/web-app",
        "requires_python": ">=3.11",
        "requires": ["lib-core", "missing-thing"],
        "location": str(first),
    }
    bare = package_record("aardvark", selected["aardvark"])
    assert bare["summary"] is bare["license"] is bare["homepage"] is None
    assert bare["requires"] == []


def test_dependency_records(tmp_path: Path, make_dist: MakeDist) -> None:
    first, second = _env(tmp_path, make_dist)
    installed = discover([str(first), str(second)])
    edges = dependency_records("web-app", dict(installed.selected)["web-app"], installed.names)
    assert edges == [
        {
            "id": "web-app->lib-core",
            "package": "web-app",
            "dependency": "lib-core",
            "specifier": ">=2",
            "marker": None,
            "installed": True,
        },
        {
            "id": "web-app->missing-thing",
            "package": "web-app",
            "dependency": "missing-thing",
            "specifier": "<3",
            "marker": "python_version >= '3.8'",
            "installed": False,
        },
    ]


def test_is_selected() -> None:
    assert is_selected("anything", [], [])
    assert is_selected("pydantic-core", ["Pydantic_*"], [])
    assert not is_selected("pydantic-core", ["pydantic"], [])
    assert not is_selected("pip", [], ["PIP"])


def test_chunked() -> None:
    assert [list(c) for c in chunked([1, 2, 3, 4, 5], 2)] == [[1, 2], [3, 4], [5]]
    assert list(chunked([], 3)) == []
