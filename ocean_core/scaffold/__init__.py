"""Scaffold a new integration package from the templates beside this module (``ocean new``).

    names = check_name("my-shop")              # raises ConfigError with one problem if invalid
    made = scaffold(names, Path("my-shop"))    # writes the files, returns what it wrote
    made = scaffold(names, Path("my-shop"), template=Template.SQL)

A package is the files of ``templates/common`` and those of one template (``http``, ``file``,
``sql``; a template's file replaces a common one of the same path). Each is a ``*.tmpl`` file
rendered with ``string.Template`` (``$name``-style placeholders, so Python braces and jq need
no escaping); a folder named ``__package__`` and the ``__package__`` part of a file name become
the package name.
"""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import asdict, dataclass
from enum import StrEnum
from importlib.util import find_spec
from pathlib import Path, PurePath
from string import Template as TextTemplate

from ocean_core.errors import ConfigError

TEMPLATES = Path(__file__).with_name("templates")
SUFFIX = ".tmpl"
PACKAGE_PLACEHOLDER = "__package__"

_ALLOWED = re.compile(r"[a-z0-9_-]+")


class Template(StrEnum):
    """What the integration reads: the starting point ``ocean new --template`` writes."""

    HTTP = "http"  # a REST API through HTTPIntegration
    FILE = "file"  # JSON and CSV files in a folder
    SQL = "sql"  # rows of a database (SQLite, from the standard library)

    @property
    def example_config(self) -> str:
        """An instance's ``config:`` for the next steps, as YAML flow text."""
        return _EXAMPLE_CONFIG[self]


_EXAMPLE_CONFIG = {
    Template.HTTP: '{base_url: "https://api.example.com"}',
    Template.FILE: "{folder: data}             # relative to ocean.yaml",
    Template.SQL: "{database: shop.db}         # relative to ocean.yaml",
}


@dataclass(frozen=True)
class Names:
    """Every name the scaffold derives from the integration type's name."""

    name: str  # the integration type and entry-point name, as given: my-shop
    package: str  # the import package: my_shop
    class_name: str  # MyShopIntegration
    config_class: str  # MyShopConfig
    dist: str  # the distribution: ocean-my-shop
    blueprint: str  # the prefix of the default mapping's blueprints: myShop

    @classmethod
    def of(cls, name: str) -> Names:
        parts = [part for part in re.split(r"[-_]+", name) if part]
        camel = "".join(part[:1].upper() + part[1:] for part in parts)
        return cls(
            name=name,
            package=name.replace("-", "_"),
            class_name=f"{camel}Integration",
            config_class=f"{camel}Config",
            dist=f"ocean-{name.replace('_', '-')}",
            blueprint=parts[0] + camel[len(parts[0]) :],
        )


@dataclass(frozen=True)
class Scaffold:
    """What ``scaffold`` wrote: the target folder and the files, relative to it."""

    target: Path
    files: list[PurePath]


def _refuse(name: str, message: str) -> ConfigError:
    return ConfigError.single("NAME", f"{name!r} {message}")


def check_name(name: str) -> Names:
    """The names derived from ``name``, or ``ConfigError`` saying why it cannot be one."""
    if not name:
        raise ConfigError.single("NAME", "must not be empty")
    if "/" in name or "\\" in name or ".." in name:
        raise _refuse(name, "is a path; give a plain name and put the folder in --directory")
    if not _ALLOWED.fullmatch(name):
        raise _refuse(name, "may hold only lower-case letters, digits, '-' and '_'")
    if not name[0].isalpha():
        raise _refuse(name, "must start with a letter")
    if not name[-1].isalnum():
        raise _refuse(name, "must end with a letter or a digit")
    names = Names.of(name)
    if keyword.iskeyword(names.package):
        raise _refuse(name, f"is a Python keyword; the package {names.package} cannot be imported")
    _check_free(names)
    return names


def _check_free(names: Names) -> None:
    """Refuse a type name that is taken, or a package that would shadow an importable one."""
    # Here, not at the top: plugins imports the framework, which `ocean --help` must not.
    from ocean_core.plugins import installed_types

    if names.name in installed_types():
        raise _refuse(names.name, "is already an installed integration type (see `ocean list`)")
    if names.package in sys.stdlib_module_names:
        raise _refuse(names.name, f"would shadow the standard library module {names.package}")
    spec = find_spec(names.package)
    if spec is not None and spec.origin is not None:  # a bare folder (namespace) is no module
        raise _refuse(names.name, f"would shadow the installed module {names.package}")


def check_target(target: Path, force: bool) -> None:
    """Refuse to write into a file, or into a non-empty folder unless ``force``."""
    if target.exists() and not target.is_dir():
        raise ConfigError.single("NAME", f"{str(target)!r} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ConfigError.single(
            "NAME", f"{str(target)!r} exists and is not empty; pass --force to write into it"
        )


def render(names: Names, template: Template = Template.HTTP) -> dict[PurePath, str]:
    """Every file of the package, by path relative to its folder, rendered for ``names``."""
    values = asdict(names)
    files: dict[PurePath, str] = {}
    for root in (TEMPLATES / "common", TEMPLATES / template.value):
        for source in sorted(root.rglob(f"*{SUFFIX}")):
            relative = source.relative_to(root).as_posix().removesuffix(SUFFIX)
            path = PurePath(relative.replace(PACKAGE_PLACEHOLDER, names.package))
            files[path] = TextTemplate(source.read_text(encoding="utf-8")).substitute(values)
    return dict(sorted(files.items()))


def scaffold(
    names: Names, target: Path, *, force: bool = False, template: Template = Template.HTTP
) -> Scaffold:
    """Write the package for ``names`` into ``target``. Everything is rendered and checked
    before the first write, so a refused call creates nothing; with ``force`` the generated
    files are replaced and any other file in ``target`` is left alone."""
    check_target(target, force)
    files = render(names, template)
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Scaffold(target, list(files))
