"""Integration types, found through the ``ocean_core.integrations`` entry-point group."""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

from ocean_core.errors import ConfigError, UnknownIntegrationType
from ocean_core.integration import Integration

GROUP = "ocean_core.integrations"


def installed_types() -> dict[str, EntryPoint]:
    """Every installed integration type by name (bundled ones included)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load_type(name: str, field: str = "type") -> type[Integration]:
    """The class of an installed integration type, or of ``module:Class`` (a class in an
    importable module, e.g. one's own service); ``UnknownIntegrationType`` if none."""
    found = installed_types()
    if ":" in name and name not in found:
        found = {name: EntryPoint(name=name, value=name, group=GROUP)}
    if name not in found:
        raise UnknownIntegrationType(name, sorted(found), field)
    try:
        loaded = found[name].load()
    except Exception as exc:  # a third-party plugin that fails to import
        raise ConfigError.single(
            field, f"integration type {name!r} failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    if not (isinstance(loaded, type) and issubclass(loaded, Integration)):
        raise ConfigError.single(
            field, f"entry point {name!r} is {loaded!r}, not an Integration subclass"
        )
    return loaded
