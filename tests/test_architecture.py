"""The package's shape: no import circle, and small modules.

Every import statement counts, wherever it is: at the top, inside ``if TYPE_CHECKING:`` and
inside a function. ``from package import name`` is an edge to ``package.name`` when that is a
module, else to the package's ``__init__`` (so a module importing a name from its own
package's ``__init__`` closes a circle).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import ocean_core

ROOT = Path(ocean_core.__file__).parent
"""The service, API and CLI layers, checked on their own while the rest is rebuilt."""
MAX_LINES = 400


def module_files(root: Path, package: str = "ocean_core") -> dict[str, Path]:
    """Every module under ``root`` by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((package, *parts))] = path
    return found


def _owner(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module of ``modules`` that ``name`` (a module or a name in one) lives in."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The modules of ``modules`` that the module ``name`` imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_owner(a.name, modules) for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.update(filter(None, [target if target in modules
                                           else _owner(base, modules)]))
    found.discard(name)
    return found


def import_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Each import circle as the modules on it, in import order, starting from the smallest
    name (strongly connected components of more than one module, Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(_as_path(sorted(component), graph))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _as_path(component: list[str], graph: Mapping[str, Iterable[str]]) -> list[str]:
    """One circle through the component, from its first module back to it."""
    members, start = set(component), component[0]
    path, seen = [start], {start}
    while True:
        nexts = sorted(n for n in graph[path[-1]] if n in members)
        if start in nexts and len(path) > 1:
            return [*path, start]
        unseen = [n for n in nexts if n not in seen]
        if not unseen:
            return [*path, start]
        path.append(unseen[0])
        seen.add(unseen[0])


def _described(found: list[list[str]]) -> str:
    return "; ".join(" -> ".join(circle) for circle in found)


def _in(name: str, packages: Iterable[str]) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in packages)


# -- the checker itself ----------------------------------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for relative, text in files.items():
        path = tmp_path / "pkg" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return module_files(tmp_path / "pkg", "pkg")


def test_the_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "__init__.py": "from pkg.a import A\n",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n",
        "b.py": "def f():\n    from . import c\n",
        "c.py": "import pkg.a\n",
        "d.py": "from pkg import A\n",          # a name of the package's __init__
        "e.py": "from pkg import c\n",          # a module: not the __init__
    })
    graph = import_graph(modules)
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.c"}
    assert graph["pkg.c"] == {"pkg.a"} and graph["pkg.e"] == {"pkg.c"}
    assert graph["pkg.d"] == {"pkg"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]


def test_a_module_importing_its_own_package_init_is_a_circle(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {
        "__init__.py": "from pkg.cli import main\n",
        "cli/__init__.py": "from pkg.cli._new import new\ndef error(): ...\n",
        "cli/_new.py": "def new():\n    from pkg.cli import error\n",
    })
    assert cycles(import_graph(modules)) == [["pkg.cli", "pkg.cli._new", "pkg.cli"]]


# -- the package -------------------------------------------------------------------------------

def test_no_import_circle_anywhere_in_the_package() -> None:
    found = cycles(import_graph(module_files(ROOT)))
    assert found == [], _described(found)


def test_no_module_of_the_package_is_long() -> None:
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, path in module_files(ROOT).items()}
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}
