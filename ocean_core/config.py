"""The YAML config file, with environment-variable overrides (pydantic-settings).

    catalog: sqlite:///ocean.db
    integrations:
      - id: demo
        type: fake
        config: {kinds: {service: 100}}

Environment variables override the file: ``OCEAN_CATALOG``, ``OCEAN_API__PORT``,
``OCEAN_API_TOKEN``, or a whole list as JSON in ``OCEAN_INTEGRATIONS``. Relative paths (the
SQLite file, mapping files) are relative to the config file.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from ocean_core._interval import parse_interval
from ocean_core._secrets import shown_input
from ocean_core.errors import ConfigError, ConfigProblem
from ocean_core.mapping import field_path


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
    deletion_threshold: float | None = Field(default=None, ge=0.0, le=1.0)


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
    """Settings with the folder their relative paths are relative to."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: OceanSettings
    path: Path

    @property
    def base(self) -> Path:
        return self.path.parent


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problem = ConfigProblem("", f"cannot read config: {exc.strerror}", str(path))
        raise ConfigError(problem) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = ConfigProblem("", f"invalid YAML: {_yaml_problem(exc)}", str(path))
        raise ConfigError(problem) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        got = type(data).__name__
        raise ConfigError(ConfigProblem("", f"expected a mapping at the top, got {got}", str(path)))
    return data


def load_config(path: str | Path) -> LoadedConfig:
    """Read and validate a config file; ``ConfigError`` names the file, field and value.

    ``${NAME}`` in a string value is replaced by the environment variable ``NAME`` (an error
    names the field if it is not set), ``${NAME:-default}`` falls back to ``default``, and
    ``$${`` stands for a literal ``${``: secrets can stay out of the file.
    """
    path = Path(path)
    data = expand_environment(_read_yaml(path), str(path))
    try:
        settings = OceanSettings(**data)
    except ValidationError as exc:
        raise ConfigError(
            [
                ConfigProblem(field_path(e["loc"]), _describe(e), str(path))
                for e in exc.errors()
            ]
        ) from exc
    except SettingsError as exc:  # an environment variable that is not valid JSON
        raise ConfigError(ConfigProblem("", f"environment override: {exc}", str(path))) from exc
    _check_unique_ids(settings, path)
    token = os.environ.get("OCEAN_API_TOKEN")
    if token:
        settings.api.token = SecretStr(token)
    read_token = os.environ.get("OCEAN_API_READ_TOKEN")
    if read_token:
        settings.api.read_token = SecretStr(read_token)
    return LoadedConfig(settings=settings, path=path)


_VARIABLE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_environment(data: Any, source: str, where: tuple[int | str, ...] = ()) -> Any:
    """``data`` with ``${NAME}`` / ``${NAME:-default}`` replaced in every string value."""
    if isinstance(data, dict):
        return {k: expand_environment(value, source, (*where, k)) for k, value in data.items()}
    if isinstance(data, list):
        return [expand_environment(value, source, (*where, i)) for i, value in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        value = os.environ.get(match.group(1), match.group(2))
        if value is None:
            missing.append(match.group(1))
            return ""
        return value

    expanded = _VARIABLE.sub(replace, data)
    if missing:
        names = ", ".join(missing)
        message = f"environment variable {names} is not set (in {data!r})"
        raise ConfigError(ConfigProblem(field_path(where), message, source))
    return expanded


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


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line: what is wrong and where (line and column are 1-based)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        what = exc.problem or exc.context or "syntax error"
        if mark is not None:
            return f"{what} at line {mark.line + 1}, column {mark.column + 1}"
        return what
    return " ".join(str(exc).split())


def _describe(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return f"unknown key (value {error['input']!r})"
    if error["type"] == "missing":
        return "required"
    return str(error["msg"]) + shown_input(OceanSettings, error)
