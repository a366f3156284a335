"""The YAML config file, with environment-variable overrides (pydantic-settings).

    catalog: sqlite:///ocean.db
    integrations:
      - id: demo
        type: fake
        config: {kinds: {service: 100}}

Environment variables override the file: ``OCEAN_CATALOG``, ``OCEAN_API__PORT``,
``OCEAN_API_TOKEN``, or a whole list as JSON in ``OCEAN_INTEGRATIONS``. Relative paths (the
SQLite file, mapping files, the path fields of an integration's config) are relative to the
config file. See docs/configuration.md.
"""

from __future__ import annotations

import builtins
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from ocean_core._describe import field_path, validation_problems
from ocean_core._expand import Loc, Unset, expand_variables
from ocean_core._interval import parse_interval
from ocean_core._limits import MAPPING_TIMEOUT
from ocean_core._paths import resolve_paths
from ocean_core._yaml import read_yaml
from ocean_core.errors import ConfigError, ConfigProblem


class RateLimitSettings(BaseModel):
    """Requests that change something (POST, PATCH, PUT, DELETE), per token: ``per_second`` on
    average, bursts of up to ``burst``; beyond that the API answers 429 with ``Retry-After``."""

    model_config = ConfigDict(extra="forbid")

    per_second: float = Field(gt=0)
    burst: int = Field(default=10, ge=1)


class ApiSettings(BaseModel):
    """Where ``ocean sail`` serves its HTTP API, and who may use it."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    token: SecretStr | None = None
    read_token: SecretStr | None = None
    """A second token that may only read (GET): for dashboards and monitoring."""
    rate_limit: RateLimitSettings | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    """The largest request body the API reads (413 beyond it); 1 MiB."""
    read_timeout: float = Field(default=30.0, gt=0)
    """Seconds a client may take to send a request's head, and then its body (408)."""
    public_docs: bool = False
    """Serve ``/docs`` and ``/openapi.json`` without the token (every data route keeps it)."""


Interval = Annotated[timedelta, BeforeValidator(parse_interval)]
"""A duration: ``90`` (seconds), ``"30m"``, ``"2h"``, ``"1d"`` or a sum such as ``"1h30m"``."""


class WebhookSettings(BaseModel):
    """How ``ocean sail`` handles the webhook events it has stored (rule 8): a failed handler
    is tried again after ``retry_delay``, doubled at each failure up to ``max_retry_delay``,
    ``max_attempts`` times in all; the newest ``keep_events`` handled (and failed) events are
    kept in the inbox, older ones pruned (their counts stay; 0 keeps them all)."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(default=5, ge=1)
    retry_delay: float = Field(default=1.0, ge=0)
    """Seconds before the second attempt (0: at once, as in tests)."""
    max_retry_delay: float = Field(default=60.0, ge=0)
    keep_events: int = Field(default=1000, ge=0)
    port: int | None = Field(default=None, ge=0, le=65535)
    """Also serve the webhook route on this port, from an intake process of its own: the
    vendors' requests are then read there, off the process that runs the resyncs (see
    docs/live-events.md#a-port-of-their-own). None: the API's port only."""
    host: str | None = None
    """The intake's bind address (default: ``api.host``)."""


class IntegrationSettings(BaseModel):
    """One integration instance: which type, its config and its mapping."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    type: str = Field(min_length=1)
    name: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    mapping: str | dict[str, Any] | None = None
    resync_on_start: bool = True
    scheduled_resync_interval: Interval | None = None
    scheduled_incremental_interval: Interval | None = None
    """Incremental resyncs (rule 9) between the full ones: e.g. every 5m, full every 1d."""
    deletion_threshold: float | None = Field(default=None, ge=0.0, le=1.0)

    _written: dict[str, Any] = PrivateAttr(default_factory=dict)
    _read: dict[str, Any] = PrivateAttr(default_factory=dict)
    _folder: Path | None = PrivateAttr(default=None)

    def remember_file(self, written: dict[str, Any], folder: Path) -> None:
        """Keep what the file wrote of these settings (``${NAME}`` unexpanded) and its folder."""
        self._written = {k: v for k, v in written.items() if k in type(self).model_fields}
        self._read = {name: getattr(self, name) for name in self._written}
        self._folder = folder

    def as_written(self, *names: str) -> dict[str, Any]:
        """These settings as the config file writes them, ``${NAME}`` unexpanded: a new value
        of a variable in the environment is no change of the file. A setting that is no
        longer what the file said (changed through the API), or not in the file, gives its
        value."""
        return {
            name: self._written[name]
            if name in self._written and getattr(self, name) == self._read[name]
            else getattr(self, name)
            for name in names
        }

    def config_for(self, model: builtins.type[BaseModel]) -> dict[str, Any]:
        """``config`` with the relative paths of ``model``'s path fields joined to the config
        file's folder (``ocean_core._paths``); as it is for settings not read from a file."""
        if self._folder is None:
            return self.config
        resolved: dict[str, Any] = resolve_paths(model, self.config, self._folder)
        return resolved


class OceanSettings(BaseSettings):
    """The whole config file."""

    model_config = SettingsConfigDict(
        env_prefix="OCEAN_", env_nested_delimiter="__", extra="forbid"
    )

    catalog: str = "sqlite:///ocean.db"
    api: ApiSettings = Field(default_factory=ApiSettings)
    takeover_interval: Interval = timedelta(seconds=5)
    """With a PostgreSQL catalog: how often a process that stands by tries to take over an
    integration another process runs (the takeover bound after the holder dies)."""
    mapping_timeout: Interval = timedelta(seconds=MAPPING_TIMEOUT)
    """How long one item's evaluation of a jq expression the fast path does not handle may
    take, in its worker process, before the worker is killed and the page's items are item
    errors (docs/mapping.md#time-limits)."""
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    integrations: list[IntegrationSettings] = Field(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file's values, which arrive as init arguments.
        return (env_settings, init_settings)

    def integration(self, integration_id: str) -> IntegrationSettings:
        for item in self.integrations:
            if item.id == integration_id:
                return item
        known = ", ".join(i.id for i in self.integrations) or "none"
        raise ConfigError.single(
            "integrations", f"no integration with id {integration_id!r} (configured: {known})"
        )


class LoadedConfig(BaseModel):
    """Settings with the folder their relative paths are relative to, and the ``${NAME}``
    variables of the file that the environment does not set.

    An unset variable is an error only where its field is used: ``require("api")`` before
    serving the API, ``require_integration(index)`` before building an integration. So an
    unset API token does not stop ``ocean resync``, nor one integration's token another's.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: OceanSettings
    path: Path
    unresolved: list[ConfigProblem] = Field(default_factory=list)
    """One problem per unset variable, naming its field, in file order."""

    @property
    def base(self) -> Path:
        return self.path.parent

    def problems_for(self, *fields: str) -> list[ConfigProblem]:
        """The unset variables at or under ``fields`` (``"api"``, ``"catalog"``,
        ``"integrations[0]"``); every one without ``fields``."""
        return [p for p in self.unresolved if not fields or any(_under(p.field, f) for f in fields)]

    def require(self, *fields: str) -> None:
        """Raise ``ConfigError`` with every unset variable at or under ``fields``, if any."""
        problems = self.problems_for(*fields)
        if problems:
            raise ConfigError(problems)

    def require_integration(self, index: int, item: IntegrationSettings | None = None) -> None:
        """``require("integrations[index]")``, leaving out the settings that ``item`` (those
        settings as changed through the API) no longer takes from the file."""
        where = f"integrations[{index}]"
        problems = self.problems_for(where)
        if item is not None and index < len(self.settings.integrations):
            written = self.settings.integrations[index]
            problems = [p for p in problems
                        if _setting_kept(item, written, p.field[len(where) + 1:])]
        if problems:
            raise ConfigError(problems)


def _under(field: str, prefix: str) -> bool:
    return field == prefix or field.startswith((f"{prefix}.", f"{prefix}["))


def _setting_kept(item: IntegrationSettings, written: IntegrationSettings, rest: str) -> bool:
    name = rest.split(".", 1)[0].split("[", 1)[0]
    return bool(getattr(item, name, None) == getattr(written, name, None))


def load_config(path: str | Path) -> LoadedConfig:
    """Read and validate a config file; ``ConfigError`` names the file, field and value.

    ``${NAME}`` in a string value is replaced by the environment variable ``NAME``,
    ``${NAME:-default}`` falls back to ``default``, ``${OCEAN_CONFIG_DIR}`` is the config
    file's folder, and ``$${`` stands for a literal ``${``: secrets can stay out of the file.
    Unset variables are collected in ``LoadedConfig.unresolved``, not raised here.
    """
    path = Path(path)
    raw = _read_mapping(path)
    expansion = expand_variables(raw, Path(os.path.abspath(path.parent)))  # no `..` left
    unset = {u.loc: u for u in expansion.unset}
    settings = _validate(expansion.data, unset, path)
    _check_unique_ids(settings, path)
    provided = _from_environment()
    token = os.environ.get("OCEAN_API_TOKEN")
    if token:
        settings.api.token = SecretStr(token)
    read_token = os.environ.get("OCEAN_API_READ_TOKEN")
    if read_token:
        settings.api.read_token = SecretStr(read_token)
    if "integrations" not in provided:
        for item, written in zip(settings.integrations, raw.get("integrations") or [],
                                 strict=False):
            item.remember_file(written if isinstance(written, dict) else {}, path.parent)
    else:
        for item in settings.integrations:
            item.remember_file({}, path.parent)
    unresolved = [
        ConfigProblem(field_path(u.loc), f"environment variable {u.name} is not set", str(path))
        for u in expansion.unset
        if not _provided(provided, u.loc)
    ]
    return LoadedConfig(settings=settings, path=path, unresolved=unresolved)


def _read_mapping(path: Path) -> dict[str, Any]:
    data = read_yaml(path, "config")
    if data is None:
        return {}
    if not isinstance(data, dict):
        got = type(data).__name__
        raise ConfigError(ConfigProblem("", f"expected a mapping at the top, got {got}", str(path)))
    return data


def _validate(data: dict[str, Any], unset: dict[Loc, Unset], path: Path) -> OceanSettings:
    """The settings of ``data``. A field left out for an unset variable that the model then
    misses is that variable's problem; in ``api`` (needed only to serve it) it is no problem
    now: the section is left out, and ``LoadedConfig.require("api")`` raises it."""
    try:
        return OceanSettings(**data)
    except ValidationError as exc:
        errors = exc.errors()
        if "api" in data and any(tuple(e["loc"])[:1] == ("api",) and tuple(e["loc"]) in unset
                                 for e in errors):
            return _validate({k: v for k, v in data.items() if k != "api"}, unset, path)
        problems = [
            ConfigProblem(field_path(e["loc"]),
                          f"environment variable {unset[tuple(e['loc'])].name} is not set",
                          str(path))
            if tuple(e["loc"]) in unset
            else validation_problems(OceanSettings, [e], source=str(path))[0]
            for e in errors
        ]
        raise ConfigError(problems) from None  # pydantic's text would repeat the inputs
    except SettingsError as exc:  # an environment variable that is not valid JSON
        raise ConfigError(ConfigProblem("", f"environment override: {exc}", str(path))) from exc


def _from_environment() -> dict[str, Any]:
    """What the environment sets (``OCEAN_...``), as nested settings."""
    provided: dict[str, Any] = EnvSettingsSource(OceanSettings)()
    api = provided.setdefault("api", {}) if isinstance(provided.get("api", {}), dict) else {}
    for name in ("token", "read_token"):
        if os.environ.get(f"OCEAN_API_{name.upper()}"):
            api[name] = True
    return provided


def _provided(provided: Any, loc: Loc) -> bool:
    """Whether the environment sets the field at ``loc`` (or a section holding it)."""
    for part in loc:
        if not isinstance(provided, dict):
            return True
        if part not in provided:
            return False
        provided = provided[part]
    return True


def _check_unique_ids(settings: OceanSettings, path: Path) -> None:
    """Two instances with one id would share (and delete) each other's entities."""
    first: dict[str, int] = {}
    problems = []
    for index, item in enumerate(settings.integrations):
        if item.id in first:
            problems.append(ConfigProblem(
                f"integrations[{index}].id",
                f"duplicate id {item.id!r} (also integrations[{first[item.id]}].id)",
                str(path),
            ))
        first.setdefault(item.id, index)
    if problems:
        raise ConfigError(problems)
