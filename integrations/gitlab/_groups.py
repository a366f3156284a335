"""Which groups a sync starts from: the configured ones, or the token user's, without overlap."""

from __future__ import annotations

from collections.abc import Iterable


def root_paths(paths: Iterable[str]) -> list[str]:
    """The paths that are not inside another path of the list, in their first order.

    A group is read with its subgroups, so ``acme`` and ``acme/tools`` together would read
    ``acme/tools`` twice: only ``acme`` is kept.
    """
    unique = list(dict.fromkeys(paths))
    chosen = set(unique)
    return [path for path in unique if not any(a in chosen for a in _ancestors(path))]


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts))]
