"""The integration seam: a class with one ``@kind`` async generator per kind of object."""

from __future__ import annotations

import builtins
import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from ocean_core.entity import Entity
from ocean_core.mapping._model import Selector

if TYPE_CHECKING:
    from ocean_core._run_context import RunContext

Batch = Sequence[dict[str, Any] | Entity]
"""What a fetcher yields: a list of raw items (mapped) or entities (stored as they are)."""

Fetcher = Callable[[Any], AsyncIterator[Batch]]
F = TypeVar("F", bound=Callable[..., AsyncIterator[Any]])

_KIND_ATTR = "__ocean_kind__"

_SELECTOR: ContextVar[Selector | None] = ContextVar("ocean_core_selector", default=None)
"""The selector of the step whose kind is being fetched; set by the engine around a fetch."""


def current_selector() -> Selector | None:
    """The selector of the resource whose items are being fetched: an instance of the
    integration's ``selector_model``, or ``None`` when the kind runs without a mapping resource
    (or outside a resync). The same object a fetcher receives in a ``selector`` parameter."""
    return _SELECTOR.get()


def _takes_selector(function: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    parameter = parameters.get("selector")
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


@dataclass(frozen=True)
class KindSpec:
    """A kind an integration provides, as declared by ``@kind``."""

    name: str
    attribute: str
    may_be_empty: bool = False


def kind(name: str, *, may_be_empty: bool = False) -> Callable[[F], F]:
    """Declare an async generator method as the fetcher of one kind.

    ``may_be_empty=True`` says the kind may legitimately return nothing; otherwise a kind that
    had entities and now returns none is an error (the empty-kind guard), so a broken fetch can
    never empty the catalog.
    """

    def mark(fn: F) -> F:
        setattr(fn, _KIND_ATTR, (name, may_be_empty))
        return fn

    return mark


class EmptyConfig(BaseModel):
    """The config model of an integration that takes no configuration."""

    model_config = ConfigDict(extra="forbid")


class Integration:
    """Subclass to write an integration: name its ``type`` and write one fetcher per kind.

    Example::

        class Shop(Integration):
            type = "shop"

            @kind("product")
            async def products(self):
                yield [{"id": 1, "name": "Lamp"}]

    Class attributes an integration may set:

    - ``config_model``: the pydantic model that validates ``config`` (default: no keys).
    - ``selector_model``: a subclass of ``ocean_core.mapping.Selector`` declaring the
      integration's own selector keys (default: ``Selector``, only ``query``). A ``@kind``
      method with a parameter named ``selector`` is called with its resource's validated
      selector (``None`` when the kind runs without a mapping resource); see also
      ``current_selector()``.
    - ``default_mapping``: a mapping (dict) used when the runtime is given none.
    - ``deletion_threshold``: the share of this integration's entities a clean run may delete
      at most (default 0.9, as in Port Ocean); a run that would delete more skips its delete.
    """

    type: ClassVar[str] = ""
    config_model: ClassVar[builtins.type[BaseModel]] = EmptyConfig
    selector_model: ClassVar[builtins.type[Selector]] = Selector
    default_mapping: ClassVar[dict[str, Any] | None] = None
    deletion_threshold: ClassVar[float] = 0.9

    def __init__(self, config: BaseModel | dict[str, Any] | None = None) -> None:
        if isinstance(config, BaseModel):
            self.config = config
        else:
            self.config = self.config_model.model_validate(config or {})

    @classmethod
    def declared_kinds(cls) -> list[KindSpec]:
        """The kinds declared with ``@kind`` on the class, in declaration order."""
        specs: dict[str, KindSpec] = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                marker = getattr(value, _KIND_ATTR, None)
                if marker is not None:
                    name, may_be_empty = marker
                    specs[name] = KindSpec(name, attribute, may_be_empty)
        return list(specs.values())

    def kinds(self) -> list[KindSpec]:
        """The kinds this instance provides; override for kinds that depend on config."""
        return self.declared_kinds()

    def run_scope(self, run: RunContext) -> AbstractAsyncContextManager[None]:
        """Entered by the engine around the kinds of every run, and left when they end however
        they end: the place for what lives exactly as long as one run, such as parent listings
        fetched once for every kind that needs them (``HTTPIntegration``). Default: nothing."""
        return contextlib.nullcontext()

    def get_default_mapping(self) -> dict[str, Any] | None:
        """The mapping used when the runtime is given none; override to build it from config."""
        return self.default_mapping

    def fetcher(self, kind_name: str) -> Callable[[], AsyncIterator[Batch]]:
        """The bound fetcher of a kind, called with no arguments. A method with a ``selector``
        parameter gets the current step's selector (``current_selector()``, read when the
        returned callable is called)."""
        for spec in self.kinds():
            if spec.name == kind_name:
                method: Callable[..., AsyncIterator[Batch]] = getattr(self, spec.attribute)
                if _takes_selector(method):
                    return lambda: method(selector=current_selector())
                bound: Callable[[], AsyncIterator[Batch]] = method
                return bound
        raise KeyError(kind_name)
