"""The one exception tree of ocean_core.

    OceanError
    ├── ConfigError                 a config file, mapping or argument is invalid (CLI exit 2)
    │   ├── MappingError            a mapping does not validate or compile
    │   └── UnknownIntegrationType  no installed integration type has that name
    ├── CatalogError                the catalog failed to read or write
    │   ├── FencedError             this runner lost the integration to another (PostgreSQL)
    │   └── LockNotHeldError        a page write or delete step from no runner of the integration
    ├── RunnerLockedError           another runner holds the integration's lock
    ├── NotRunningError             a call that needs ``async with Ocean(...)`` outside it
    ├── NotFoundError               no such integration, run or knowledge base (the API's 404)
    │   ├── NotAttachedError        the integration is not attached to the knowledge base
    │   └── WebhookNotFoundError    the integration declares no ``@webhook`` of that name
    ├── ConflictError               it exists already (the API's 409)
    ├── SDKError                    a call of ocean_core.sdk to the API failed (its own tree)
    └── IntegrationError            raised by integration code; mark with Transient / Terminal
        ├── HTTPError               an HTTP call to the third-party system failed (ocean_core.http)
        │   ├── TransientHTTPError  connection error, timeout, 429 or 5xx, after the retries
        │   └── TerminalHTTPError   any other 4xx: the request itself is wrong
        ├── PaginationError         a paginated listing looped or ran past its page limit
        ├── WebhookResultError      a webhook handler returned something else than LiveChanges
        └── ParentListingError      a listing several kinds share failed earlier in the run

``Transient`` and ``Terminal`` are marker mix-ins: retry policy is ``isinstance(exc, Transient)``.
Foreign errors (sqlite3, pydantic, yaml, jq, httpx) are translated into this tree at one boundary
each, with ``raise ... from exc``.
"""

from __future__ import annotations

from dataclasses import dataclass


class OceanError(Exception):
    """The root of every error ocean_core raises."""


class Transient:
    """Marker: trying the same thing again later may succeed."""


class Terminal:
    """Marker: trying again will fail the same way."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a configuration: where it is and what is wrong."""

    field: str
    message: str
    source: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"{where}{self.field}: {self.message}" if self.field else f"{where}{self.message}"


class ConfigError(OceanError, Terminal):
    """A configuration is invalid. Carries every problem found, each naming its field."""

    def __init__(self, problems: list[ConfigProblem] | ConfigProblem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, field: str, message: str, source: str | None = None) -> ConfigError:
        return cls(ConfigProblem(field=field, message=message, source=source))


class MappingError(ConfigError):
    """A resource mapping is invalid: an unknown key, a jq expression that does not compile,
    or a kind that no fetcher provides."""


class UnknownIntegrationType(ConfigError):
    """No installed integration type has this name."""

    def __init__(self, name: str, installed: list[str], field: str = "type") -> None:
        self.name = name
        self.installed = installed
        choices = ", ".join(installed) or "none"
        super().__init__(
            ConfigProblem(field, f"unknown integration type {name!r} (installed: {choices})")
        )


class CatalogError(OceanError):
    """The catalog could not complete a read or a write."""


class TransientCatalogError(CatalogError, Transient):
    """The catalog was busy or unreachable; the same call may succeed later."""


class FencedError(CatalogError, Terminal):
    """This runner's lease of the integration is gone: another runner took it over. Nothing
    this runner writes for the integration is accepted any more (its fencing token is old)."""

    def __init__(self, integration_id: str, token: int, current: int | None) -> None:
        self.integration_id = integration_id
        self.token = token
        self.current = current
        now = "no lease" if current is None else f"token {current}"
        super().__init__(
            f"integration {integration_id!r}: this runner's lease (token {token}) was taken"
            f" over by another runner ({now}); its writes are refused"
        )


class LockNotHeldError(CatalogError, Terminal):
    """A page write or a delete step for an integration whose runner lock this catalog does not
    hold. Only an integration's runner writes its pages; a tool that seeds or repairs a catalog
    writes through ``catalog.unfenced()``, which says so where it is called."""

    def __init__(self, integration_id: str) -> None:
        self.integration_id = integration_id
        super().__init__(
            f"integration {integration_id!r}: this catalog holds no runner lock of it, so it"
            " refuses the write (hold catalog.runner_lock(), or write through"
            " catalog.unfenced() in a tool)"
        )


class RunnerLockedError(OceanError, Transient):
    """Another runner (in this process or another) is running this integration."""

    def __init__(self, integration_id: str, where: str) -> None:
        self.integration_id = integration_id
        super().__init__(
            f"integration {integration_id!r} is already being run by another runner ({where})"
        )


class NotRunningError(OceanError):
    """The call needs a running runtime: use it inside ``async with Ocean(...)``."""


class NotFoundError(OceanError):
    """The integration, run or other object asked for does not exist."""

    def __init__(self, what: str, key: str, known: list[str] | None = None) -> None:
        self.what = what
        self.key = key
        self.known = known
        hint = f" (configured: {', '.join(known) or 'none'})" if known is not None else ""
        super().__init__(f"no {what} {key!r}{hint}")


class NotAttachedError(NotFoundError):
    """The integration is not attached to the knowledge base."""

    def __init__(self, integration_id: str, knowledge_base_id: str, attached: list[str]) -> None:
        super().__init__("integration", integration_id, attached)
        self.knowledge_base_id = knowledge_base_id
        self.args = (
            f"integration {integration_id!r} is not attached to knowledge base"
            f" {knowledge_base_id!r} (attached: {', '.join(attached) or 'none'})",
        )


class WebhookNotFoundError(NotFoundError):
    """The integration declares no ``@webhook`` handler of that name (the route's 404)."""

    def __init__(self, integration_id: str, name: str, declared: list[str]) -> None:
        super().__init__("webhook", name, declared)
        self.integration_id = integration_id
        self.name = name
        self.args = (
            f"integration {integration_id!r} has no webhook {name!r}"
            f" (declared: {', '.join(declared) or 'none'})",
        )


class ConflictError(OceanError):
    """What was to be created exists already (a knowledge base id, say)."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = key
        super().__init__(f"{what} {key!r} exists already")


class IntegrationError(OceanError):
    """Raised by integration code for a failure in the third-party system."""


class HTTPError(IntegrationError):
    """An HTTP call failed. ``url`` and ``detail`` are already redacted: safe to log.

    ``status`` is None when no response arrived (connection error, timeout).
    """

    def __init__(self, method: str, url: str, status: int | None, detail: str) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.detail = detail
        outcome = f"status {status}" if status is not None else "no response"
        suffix = f": {detail}" if detail else ""
        super().__init__(f"{method} {url} failed with {outcome}{suffix}")


class TransientHTTPError(HTTPError, Transient):
    """Connection error, timeout, 429 or 5xx that outlasted the retries."""


class TerminalHTTPError(HTTPError, Terminal):
    """A 4xx other than 429: sending the same request again fails the same way."""


class UnexpectedPayloadError(IntegrationError, Terminal):
    """A source answered 200 with a body that is not the shape asked for (``get_object``):
    terminal, since asking again gets the same body."""

    def __init__(self, url: str, expected: str) -> None:
        self.url = url
        self.expected = expected
        super().__init__(f"GET {url}: expected {expected} in the response body")


class PaginationError(IntegrationError, Terminal):
    """A paginated listing returned the same page twice or exceeded its page limit.

    Raised rather than ending quietly: a listing cut short must not look complete, or the
    resync would delete what it did not see.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"pagination of {url} stopped: {reason}")


class ParentListingError(IntegrationError, Terminal):
    """A listing that several kinds read (a parent listing, see ``ocean_core.listings``) failed
    earlier in this run. A kind that needs it fails with this error rather than run on part of
    it; the next run lists it again.
    """

    def __init__(self, listing: str, reason: str) -> None:
        self.listing = listing
        self.reason = reason
        super().__init__(
            f"the {listing!r} listing failed earlier in this run ({reason}): a kind that needs"
            " it does not run on part of it"
        )


class WebhookResultError(IntegrationError, Terminal):
    """A ``@webhook`` handler returned something that is not a list of ``LiveChange`` objects,
    or a change of a kind the integration does not have. Nothing of the event was applied."""

    def __init__(self, integration_id: str, name: str, problem: str) -> None:
        self.integration_id = integration_id
        self.name = name
        self.problem = problem
        super().__init__(f"webhook {name!r} of integration {integration_id!r}: {problem}")
