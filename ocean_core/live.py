"""Live changes (rule 8): what a webhook handler returns, and the request it is given.

    class Shop(Integration):
        def verify_webhook(self, request: WebhookRequest) -> bool:
            return hmac.compare_digest(request.headers.get("x-shop-signature", ""),
                                       sign(self.config.webhook_secret, request.body))

        @webhook("products")      # ocean sail: POST /api/integrations/{id}/webhooks/products
        async def product_events(self, request: WebhookRequest) -> list[LiveChange]:
            event = request.json()
            return [LiveChange("product", upserted=[event["product"]])]

A live change goes through the kind's mapping like a fetched item (selectors, validation,
content hash); whatever it did after a run started wins over that run (rule 8).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from ocean_core.entity import Entity
from ocean_core.errors import ConfigError, IntegrationError

_WEBHOOK_ATTR = "__ocean_webhook__"
H = TypeVar("H", bound=Callable[..., Any])


class WebhookBodyError(IntegrationError):
    """A verified webhook's body is not what its handler asked for (``request.json()`` on a
    body that is not JSON): the event fails, with this error, and is not retried."""


@dataclass(frozen=True)
class LiveChange:
    """What a live event changed in one kind: raw items (or ``Entity`` objects) the source
    now has (``upserted``, mapped like fetched items) and ones it no longer has (``deleted``,
    mapped to their keys only, as ``Deleted`` items are)."""

    kind: str
    upserted: tuple[dict[str, Any] | Entity, ...] = ()
    deleted: tuple[dict[str, Any] | Entity, ...] = ()

    def __init__(
        self, kind: str, upserted: Iterable[dict[str, Any] | Entity] = (),
        deleted: Iterable[dict[str, Any] | Entity] = (),
    ) -> None:
        if not isinstance(kind, str) or not kind:
            raise TypeError(f"LiveChange needs a kind name (a string), got {kind!r}")
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "upserted", tuple(upserted))
        object.__setattr__(self, "deleted", tuple(deleted))

    def __bool__(self) -> bool:
        return bool(self.upserted or self.deleted)


class Headers(Mapping[str, str]):
    """A request's headers, looked up whatever the case of the name (the last of repeated
    names wins; ``pairs`` keeps them all, in order, names in lower case)."""

    __slots__ = ("_by_name", "pairs")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs = tuple((name.lower(), value) for name, value in pairs)
        self._by_name = dict(self.pairs)

    def __getitem__(self, name: str) -> str:
        return self._by_name[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_name

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return f"Headers({sorted(self._by_name)!r})"  # names only: values may be secrets


@dataclass(frozen=True)
class WebhookRequest:
    """A webhook request as ``verify_webhook`` and a ``@webhook`` handler see it: the
    webhook's ``name`` (the last segment of its route), ``headers`` (case-insensitive),
    ``body`` (the bytes received, unparsed) and ``query`` (the query string's parameters)."""

    name: str
    body: bytes = b""
    headers: Headers = field(default_factory=Headers)
    query: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls, name: str, body: bytes = b"",
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        query: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    ) -> WebhookRequest:
        """Build one from plain pairs or dicts (a test, the inbox)."""
        header_pairs = headers.items() if isinstance(headers, Mapping) else headers
        query_pairs = query.items() if isinstance(query, Mapping) else query
        return cls(name, bytes(body), Headers(header_pairs), dict(query_pairs))

    def json(self) -> Any:
        """The body as JSON; a body that is not raises ``WebhookBodyError``."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as exc:
            raise WebhookBodyError(
                f"webhook {self.name!r}: the body is not JSON ({exc.msg} at byte {exc.pos})"
            ) from None

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; any other body raises ``WebhookBodyError``."""
        body = self.json()
        if not isinstance(body, dict):
            raise WebhookBodyError(f"webhook {self.name!r}: the body is not a JSON object")
        return body

    def __repr__(self) -> str:
        return f"WebhookRequest(name={self.name!r}, body=<{len(self.body)} bytes>)"


@dataclass(frozen=True)
class WebhookSpec:
    """A webhook an integration accepts, as declared by ``@webhook``."""

    name: str
    attribute: str


def webhook(name: str) -> Callable[[H], H]:
    """Declare an async method as the handler of the webhook ``name``: ``ocean sail`` accepts
    it at ``POST /api/integrations/{id}/webhooks/{name}`` once ``verify_webhook`` says yes.
    The method takes the ``WebhookRequest`` and returns the ``LiveChange`` objects it made
    (a list; empty when the event changes nothing the catalog holds)."""
    if not isinstance(name, str) or not name or "/" in name or name != name.strip():
        raise ConfigError.single(
            "@webhook", f"a webhook name is one URL segment without spaces, got {name!r}"
        )

    def mark(fn: H) -> H:
        setattr(fn, _WEBHOOK_ATTR, WebhookSpec(name, fn.__name__))
        return fn

    return mark


_DECLARED: weakref.WeakKeyDictionary[type, tuple[WebhookSpec, ...]] = (
    weakref.WeakKeyDictionary())
"""Each class's webhooks, found once: every request asks (the route, then the worker)."""


def declared_webhooks(cls: type) -> list[WebhookSpec]:
    """The webhooks declared with ``@webhook`` on a class and its bases, by name (read once
    per class, when first asked)."""
    found = _DECLARED.get(cls)
    if found is None:
        specs: dict[str, WebhookSpec] = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                marker = getattr(value, _WEBHOOK_ATTR, None)
                if isinstance(marker, WebhookSpec):
                    specs[marker.name] = WebhookSpec(marker.name, attribute)
        found = _DECLARED[cls] = tuple(specs.values())
    return list(found)
