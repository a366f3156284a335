"""The package's shape: no import circle, no module over 400 lines.

Read from the source, not by importing it: every import counts, ``if TYPE_CHECKING:`` ones
too, and so does a module importing from its own package's ``__init__``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ocean_core"
MAX_LINES = 400

CHECKED = (
    "ocean_core._expression",
    "ocean_core.engine",
    "ocean_core.entity",
    "ocean_core.integration",
    "ocean_core.mapping",
    "ocean_core.ocean",
    "ocean_core.results",
    "ocean_core.selector",
    "ocean_core.testing",
)
"""The layers held to this so far (integration, mapping, engine and what they share). The
catalog, service, cli and sdk packages join once their own circles are gone."""


def _modules(root: Path = ROOT, package: Path = PACKAGE) -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, whether it is a package)."""
    found = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _graph(modules: dict[str, tuple[Path, bool]]) -> dict[str, set[str]]:
    """Which modules each module makes Python run when it is imported."""
    graph: dict[str, set[str]] = {name: set() for name in modules}

    def add(source: str, target: str) -> None:
        graph[source].add(target)
        parts = target.split(".")
        for i in range(1, len(parts)):  # importing a.b.c runs a/b/__init__ first...
            parent = ".".join(parts[:i])
            if parent in modules and not _inside(source, parent):  # ...unless it runs us
                graph[source].add(parent)

    for name, (path, is_package) in modules.items():
        base = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        add(name, alias.name)
            elif isinstance(node, ast.ImportFrom):
                target = _absolute(node, base)
                if target not in modules:
                    continue
                if target != name:  # `from pkg import x` reads pkg's own namespace
                    add(name, target)
                for alias in node.names:
                    if f"{target}.{alias.name}" in modules:
                        add(name, f"{target}.{alias.name}")
    return graph


def _absolute(node: ast.ImportFrom, base: str) -> str:
    if not node.level:
        return node.module or ""
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    return f"{base}.{node.module}" if node.module else base


def _circle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A path of imports from ``start`` back to itself, if there is one (depth first)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        module, path = stack.pop()
        for target in sorted(graph[module]):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def _checked(name: str) -> bool:
    return any(_inside(name, package) for package in CHECKED)


def test_no_import_circle() -> None:
    modules = _modules()
    graph = _graph(modules)
    circles = [
        " -> ".join(circle)
        for name in sorted(modules)
        if _checked(name) and (circle := _circle_through(graph, name)) is not None
    ]
    assert circles == []


def test_the_check_sees_type_checking_imports_and_the_own_package(tmp_path: Path) -> None:
    files = {
        "__init__.py": "from pkg.a import A\n",
        "a.py": "import typing\nif typing.TYPE_CHECKING:\n    from pkg.sub.b import B\n",
        "sub/__init__.py": "",
        "sub/b.py": "from pkg.c import C\n",
        "c.py": "from . import d\n",
        "d.py": "",
    }
    for name, text in files.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(text)
    graph = _graph(_modules(tmp_path, tmp_path / "pkg"))

    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"}
    assert graph["pkg.c"] == {"pkg", "pkg.d"}  # `from . import d` reads pkg's namespace
    assert _circle_through(graph, "pkg.a") == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg", "pkg.a"]
    assert _circle_through(graph, "pkg.d") is None


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if _checked(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    )),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_over_the_line_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"
