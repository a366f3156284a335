"""The integration seam: a class with one ``@kind`` async generator per kind of object."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from ocean_core._cursor_values import Lag, Since, parse_lag
from ocean_core._deleted import Deleted
from ocean_core.entity import Entity
from ocean_core.errors import ConfigError
from ocean_core.selector import Selector

if TYPE_CHECKING:
    from ocean_core._run_context import RunContext
    from ocean_core.live import LiveChange, WebhookRequest, WebhookSpec

Batch = Sequence[dict[str, Any] | Entity] | Deleted
"""What a fetcher yields: a list of raw items (mapped) or entities (stored as they are), or a
``Deleted`` batch of what the source reports gone."""

Fetcher = Callable[..., AsyncIterator[Batch]]
"""A kind's fetcher, called with the keyword arguments its ``KindSpec.parameters`` name."""
F = TypeVar("F", bound=Callable[..., AsyncIterator[Any]])

_KIND_ATTR = "__ocean_kind__"


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """What the engine hands the fetcher of one step of a run. A fetcher receives, by keyword,
    the fields it names as parameters (read once, by ``@kind``)::

        @kind("ticket")
        async def tickets(self, selector: TicketSelector | None): ...

    ``selector`` is the selector of the step's mapping resource, an instance of the
    integration's ``selector_model``, or ``None`` when the kind runs without one. ``since``
    is, in an incremental run of a kind that declares a cursor, the kind's committed cursor
    less its lag: a number, or an aware UTC ``datetime`` for a timestamp cursor; the fetcher
    yields what changed at or after it. ``None`` asks for everything (a full run, or a kind
    with no committed cursor yet). A field reaches exactly the fetchers that ask for it.
    """

    selector: Selector | None = None
    since: Since | None = None

    def arguments(self, parameters: Iterable[str]) -> dict[str, Any]:
        """The keyword arguments of a fetcher that takes ``parameters``."""
        return {name: getattr(self, name) for name in parameters}


FETCH_PARAMETERS = tuple(field.name for field in dataclasses.fields(FetchRequest))
"""The parameter names a fetcher may declare, each filled from its ``FetchRequest``."""

_CURRENT: ContextVar[FetchRequest | None] = ContextVar("ocean_core_fetch", default=None)
"""The request of the kind being fetched in this task: only for ``current_selector()``. A
fetcher's own arguments never come from here."""


def current_selector() -> Selector | None:
    """The selector of the resource whose items are being fetched: the same object the
    fetcher receives in its ``selector`` parameter, for a helper deep inside the fetch that
    is not handed it. ``None`` when the kind runs without a mapping resource, and outside a
    resync."""
    request = _CURRENT.get()
    return request.selector if request is not None else None


@contextmanager
def fetching(request: FetchRequest) -> Iterator[None]:
    """Make ``request`` the current one (``current_selector()``) while a kind is fetched."""
    token = _CURRENT.set(request)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def _declared_parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    """The ``FetchRequest`` fields a fetcher takes, by name, in the request's order."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return ()
    by_name = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(
        name for name in FETCH_PARAMETERS
        if name in parameters and parameters[name].kind in by_name
    )


@dataclass(frozen=True)
class KindSpec:
    """A kind an integration provides, as declared by ``@kind``."""

    name: str
    attribute: str
    may_be_empty: bool = False
    parameters: tuple[str, ...] = ()
    """The ``FetchRequest`` fields the fetcher takes as keyword arguments (``("selector",)``):
    read from the method's signature once, by ``@kind``. A ``KindSpec`` built by hand (a
    ``kinds()`` override) names them itself; by default its fetcher is called with none."""
    cursor: str | None = None
    """A jq expression on each raw item whose value grows when the item changes (rule 9):
    a kind with one runs in incremental runs, and its fetcher takes ``since``."""
    lag: Lag | None = None
    """Subtracted from the committed cursor to make ``since``. A spec built by hand may give
    it as ``@kind`` takes it (``5``, ``"5m"``); it is read into a ``Lag`` here."""
    ordered: bool = False
    """The fetcher yields items in ascending cursor order: the cursor is committed with each
    page, so a long run that stops resumes where it stopped."""

    def __post_init__(self) -> None:
        if self.lag is not None and not isinstance(self.lag, Lag):
            object.__setattr__(self, "lag", _lag(self.name, self.lag))
        check_cursor_options(self.name, self.cursor, self.lag, self.ordered, self.parameters)

    @property
    def incremental(self) -> bool:
        """Whether the kind runs in incremental runs (it declares a cursor)."""
        return self.cursor is not None


def _lag(kind_name: str, value: Any) -> Lag | None:
    try:
        return parse_lag(value)
    except ValueError as exc:
        raise ConfigError.single(f"@kind({kind_name!r}).lag", str(exc)) from None


def check_cursor_options(
    name: str, cursor: str | None, lag: Lag | None, ordered: bool, parameters: tuple[str, ...]
) -> None:
    """Refuse cursor options that cannot work, naming the option (a ``ConfigError``)."""
    where = f"@kind({name!r})"
    if cursor is None:
        for option, given in (("lag", lag is not None), ("ordered", ordered)):
            if given:
                raise ConfigError.single(f"{where}.{option}", "needs a cursor= to apply to")
        return
    if not isinstance(cursor, str) or not cursor.strip():
        raise ConfigError.single(f"{where}.cursor", "must be a jq expression (a string)")
    if "since" not in parameters:
        raise ConfigError.single(
            f"{where}.cursor",
            "a kind with a cursor must take `since` (its fetcher yields what changed since"
            " then; None asks for everything)",
        )


def kind(
    name: str, *, may_be_empty: bool = False, cursor: str | None = None,
    lag: float | str | timedelta | None = None, ordered: bool = False,
) -> Callable[[F], F]:
    """Declare an async generator method as the fetcher of one kind.

    ``may_be_empty=True`` says the kind may legitimately return nothing; otherwise a kind that
    had entities and now returns none is an error (the empty-kind guard), so a broken fetch can
    never empty the catalog. What the method takes (a ``selector`` or ``since`` parameter, see
    ``FetchRequest``) is read here, once.

    ``cursor`` (rule 9) is a jq expression on each raw item that grows when the item changes,
    such as ``".updated_at"``: a number or an ISO-8601 timestamp. The kind then runs in
    incremental runs, and its fetcher takes ``since``. ``lag`` (a number in the cursor's
    units, or a duration such as ``"5m"`` for timestamps) is subtracted from the committed
    cursor to make ``since``. ``ordered=True`` says items come in ascending cursor order, so
    the cursor is committed with each page. Options that cannot work raise ``ConfigError``
    when the class is defined.
    """

    def mark(fn: F) -> F:
        # Built now, so a declaration that cannot work fails where the class is defined.
        spec = KindSpec(name, fn.__name__, may_be_empty, _declared_parameters(fn),
                        cursor=cursor, lag=_lag(name, lag), ordered=ordered)
        setattr(fn, _KIND_ATTR, spec)
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
    - ``selector_model``: a subclass of ``ocean_core.Selector`` declaring the integration's
      own selector keys (default: ``Selector``, only ``query``). A ``@kind`` method with a
      parameter named ``selector`` is called with its resource's validated selector (``None``
      when the kind runs without a mapping resource).
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
                if isinstance(marker, KindSpec):
                    specs[marker.name] = dataclasses.replace(marker, attribute=attribute)
        return list(specs.values())

    def kinds(self) -> list[KindSpec]:
        """The kinds this instance provides; override for kinds that depend on config."""
        return self.declared_kinds()

    def run_scope(self, run: RunContext) -> AbstractAsyncContextManager[None]:
        """Entered by the engine around the kinds of every run, and left when they end however
        they end: the place for what lives exactly as long as one run, such as parent listings
        fetched once for every kind that needs them (``HTTPIntegration``). Default: nothing."""
        return contextlib.nullcontext()

    def cursor_config(self) -> Any:
        """What of the config a committed cursor is valid for (rule 9): when it changes,
        every kind's cursor resets (its next incremental run fetches it whole). Default: the
        whole config as JSON, secrets masked, so rotating a token keeps the cursors. Override
        to leave out settings that change how the source is read, not what is read."""
        return self.config.model_dump(mode="json")

    def get_default_mapping(self) -> dict[str, Any] | None:
        """The mapping used when the runtime is given none; override to build it from config."""
        return self.default_mapping

    def fetcher(self, kind_name: str) -> Fetcher:
        """The fetcher of a kind: the bound ``@kind`` method, to be called with the keyword
        arguments its ``KindSpec.parameters`` name. Override it, with ``kinds()``, for kinds
        that depend on config; what it returns takes the parameters its spec declares."""
        for spec in self.kinds():
            if spec.name == kind_name:
                method: Fetcher = getattr(self, spec.attribute)
                return method
        raise KeyError(kind_name)

    def verify_webhook(self, request: WebhookRequest) -> bool:
        """Whether a webhook request really comes from the source (rule 8): ``ocean sail``
        asks before it reads anything of the request but its headers and bytes, and answers
        401, storing nothing, on ``False``. Compare secrets with ``hmac.compare_digest``.
        Default: ``False``, every webhook refused until the integration says how to verify."""
        return False

    @classmethod
    def declared_webhooks(cls) -> list[WebhookSpec]:
        """The webhooks declared with ``@webhook`` on the class, by name."""
        from ocean_core.live import declared_webhooks

        return declared_webhooks(cls)

    def webhook_handler(
        self, name: str
    ) -> Callable[[WebhookRequest], Awaitable[Sequence[LiveChange]]] | None:
        """The bound ``@webhook`` method handling webhook ``name``, or ``None``."""
        for spec in self.declared_webhooks():
            if spec.name == name:
                handler: Callable[[WebhookRequest], Awaitable[Sequence[LiveChange]]]
                handler = getattr(self, spec.attribute)
                return handler
        return None

    def fetch_batches(self, spec: KindSpec, request: FetchRequest) -> AsyncIterator[Batch]:
        """The batches of one step of a run: the kind's fetcher, called with what its spec
        declares and nothing else. The engine's one call into an integration."""
        return self.fetcher(spec.name)(**request.arguments(spec.parameters))
