"""Reading the config and mapping files: safe YAML with a bound on what aliases expand to.

An alias (``*name``) repeats an anchored node. Aliases of aliases multiply: nine levels of nine
make a 1 KB file that stands for 387 million values (the "billion laughs"). PyYAML shares the
repeated objects, so loading is quick, but everything that walks the data afterwards (variable
expansion, validation, an error message that shows a value) pays for every repetition. So the
node graph is composed first, the values it expands to are counted (each node once, memoized),
and a file that expands to more than ``MAX_VALUES`` values, or that holds an alias of itself, is
refused before anything is constructed.

    data = read_yaml(Path("ocean.yaml"), "config")            # ConfigError naming file and line
    data = read_yaml(Path("m.yaml"), "mapping", MappingError)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from ocean_core.errors import ConfigError, ConfigProblem

MAX_VALUES = 100_000
"""The most values (scalars, lists and mappings, counted as aliases expand them) a config or
mapping file may stand for. Real files hold hundreds; a bomb of 6 levels of 9 already holds
more."""


def read_yaml(
    path: Path, what: str, error: type[ConfigError] = ConfigError, limit: int = MAX_VALUES
) -> Any:
    """The data of a YAML file (``None`` when empty); ``error`` naming the file (and the line)
    when it cannot be read, is not YAML, or its aliases expand beyond ``limit`` values."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(ConfigProblem("", f"cannot read {what}: {exc.strerror}", str(path))) from exc
    return parse_yaml(text, str(path), error, limit)


def parse_yaml(
    text: str, source: str, error: type[ConfigError] = ConfigError, limit: int = MAX_VALUES
) -> Any:
    """``read_yaml`` for text already read; ``source`` names it in errors."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        problem = _expansion_problem(node, limit)
        if problem is not None:
            raise error(ConfigProblem("", problem, source))
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise error(ConfigProblem("", f"invalid YAML: {yaml_problem(exc)}", source)) from None
    except RecursionError:  # the composer recurses once per level of nesting
        raise error(ConfigProblem("", "invalid YAML: nested too deeply", source)) from None
    finally:
        loader.dispose()


def _expansion_problem(root: Node, limit: int) -> str | None:
    """Why the document under ``root`` is refused, or None. Iterative (a deep document must not
    exhaust the stack here) and linear in the number of distinct nodes."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > limit:
                return (
                    f"the YAML expands to more than {limit:,} values, each alias counted as"
                    f" often as it repeats (at line {node.start_mark.line + 1}): refused, as an"
                    " alias bomb would be"
                )
            continue
        if key in sizes:
            continue
        if key in open_nodes:  # an alias inside the node it names
            return f"a YAML alias refers to itself (at line {node.start_mark.line + 1})"
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return None


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def yaml_problem(exc: yaml.YAMLError) -> str:
    """One line: what is wrong and where (line and column are 1-based)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        what = exc.problem or exc.context or "syntax error"
        if mark is not None:
            return f"{what} at line {mark.line + 1}, column {mark.column + 1}"
        return what
    return " ".join(str(exc).split())
