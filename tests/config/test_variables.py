"""``${NAME}`` variables: every unset one reported at once, one problem each naming its field,
and an error only where its field is used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ocean_core.api import create_app
from ocean_core.assembly import build_ocean, open_catalog
from ocean_core.catalog import MemoryCatalog
from ocean_core.config import load_config
from ocean_core.errors import ConfigError
from ocean_core.service import OceanService
from tests.cli._helpers import error_lines, invoke


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("API_TOKEN_VAR", "READ_TOKEN_VAR", "RATE_VAR", "OTHER_TOKEN", "OTHER_REGION",
                 "DEMO_TOKEN", "DB_VAR", "TAKEOVER_VAR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # nothing lands beside the test by mistake


def _write(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / "ocean.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


DEMO = {"id": "demo", "type": "fake", "config": {"kinds": {"service": 2}}}
OTHER = {"id": "other", "type": "fake", "name": "Other (${OTHER_REGION})",
         "config": {"kinds": {"service": 1}, "token": "${OTHER_TOKEN}"}}


def _config(folder: Path, **top: Any) -> Path:
    return _write(folder, {"catalog": "sqlite:///ocean.db",
                           "api": {"token": "${API_TOKEN_VAR}", "read_token": "${READ_TOKEN_VAR}"},
                           "integrations": [DEMO, OTHER], **top})


def test_every_unset_variable_is_a_problem_naming_its_field(tmp_path: Path) -> None:
    path = _config(tmp_path)

    loaded = load_config(path)  # no error yet: nothing has used those fields

    assert [str(p) for p in loaded.unresolved] == [
        f"{path}: api.token: environment variable API_TOKEN_VAR is not set",
        f"{path}: api.read_token: environment variable READ_TOKEN_VAR is not set",
        f"{path}: integrations[1].name: environment variable OTHER_REGION is not set",
        f"{path}: integrations[1].config.token: environment variable OTHER_TOKEN is not set",
    ]
    assert loaded.problems_for("integrations[0]") == []
    assert loaded.settings.api.token is None  # never the text ``${API_TOKEN_VAR}`` as a token


def test_two_variables_in_one_value_are_two_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, {"integrations": [
        {**DEMO, "config": {"token": "${DEMO_TOKEN}:${OTHER_TOKEN}@${DEMO_TOKEN}"}}]})

    loaded = load_config(path)

    with pytest.raises(ConfigError) as caught:
        build_ocean(loaded, 0, MemoryCatalog())
    assert [p.message for p in caught.value.problems] == [
        "environment variable DEMO_TOKEN is not set", "environment variable OTHER_TOKEN is not set",
    ]


def test_building_an_integration_raises_its_own_unset_variables_only(tmp_path: Path) -> None:
    loaded = load_config(_config(tmp_path))
    catalog = open_catalog(loaded)

    build_ocean(loaded, 0, catalog)  # demo: none of its fields is unset
    with pytest.raises(ConfigError) as caught:
        build_ocean(loaded, 1, catalog)

    assert [p.field for p in caught.value.problems] == [
        "integrations[1].name", "integrations[1].config.token"]


def test_resync_and_status_of_demo_are_not_blocked(tmp_path: Path) -> None:
    path = _config(tmp_path)

    resync = invoke("resync", "--config", path, "--integration", "demo")
    status = invoke("status", "--config", path)
    validate = invoke("validate", "--config", path, "--integration", "demo")

    assert resync.exit_code == 0, resync.output
    assert status.exit_code == 0, status.output
    assert "demo" in status.stdout and "other" in status.stdout
    assert validate.exit_code == 0 and validate.stdout.startswith("ok demo (fake)")


def test_resync_of_every_integration_reports_every_unset_variable_it_needs(
    tmp_path: Path
) -> None:
    path = _config(tmp_path, catalog="sqlite:///${DB_VAR}.db")

    result = invoke("resync", "--config", path)

    assert result.exit_code == 2
    assert error_lines(result) == [
        f"error: {path}: catalog: environment variable DB_VAR is not set",
        f"error: {path}: integrations[1].name: environment variable OTHER_REGION is not set",
        f"error: {path}: integrations[1].config.token: environment variable OTHER_TOKEN is not"
        " set",
    ]  # not the API's: a resync does not serve it
    assert not (tmp_path / "ocean.db").exists()


def test_validate_of_the_whole_file_reports_every_unset_variable(tmp_path: Path) -> None:
    path = _config(tmp_path)

    result = invoke("validate", "--config", path)

    assert result.exit_code == 2
    assert [line.split(": ", 2)[2] for line in error_lines(result)] == [
        "api.token: environment variable API_TOKEN_VAR is not set",
        "api.read_token: environment variable READ_TOKEN_VAR is not set",
        "integrations[1].name: environment variable OTHER_REGION is not set",
        "integrations[1].config.token: environment variable OTHER_TOKEN is not set",
    ]
    assert result.stdout.startswith("ok demo (fake)")


def test_serving_the_api_needs_its_variables(tmp_path: Path) -> None:
    path = _write(tmp_path, {"api": {"token": "${API_TOKEN_VAR}", "port": "${RATE_VAR}"},
                             "integrations": [DEMO]})

    with pytest.raises(ConfigError) as caught:
        create_app(path)

    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("api.token", "environment variable API_TOKEN_VAR is not set"),
        ("api.port", "environment variable RATE_VAR is not set"),
    ]


def test_ocean_sail_reports_every_unset_variable_before_serving(tmp_path: Path) -> None:
    path = _config(tmp_path)

    result = invoke("sail", "--config", path)

    assert result.exit_code == 2
    assert len(error_lines(result)) == 4
    assert all("is not set" in line for line in error_lines(result))


def test_an_unset_required_api_field_does_not_stop_loading(tmp_path: Path) -> None:
    """``api.rate_limit.per_second`` is required: left out for its unset variable, the ``api``
    section is set aside, so that a resync still runs; serving names the variable."""
    path = _write(tmp_path, {"api": {"token": "t", "rate_limit": {"per_second": "${RATE_VAR}"}},
                             "integrations": [DEMO]})

    loaded = load_config(path)

    assert loaded.problems_for("integrations[0]", "catalog") == []
    with pytest.raises(ConfigError) as caught:
        loaded.require("api")
    assert [p.field for p in caught.value.problems] == ["api.rate_limit.per_second"]


def test_an_unset_id_is_a_load_error_naming_the_variable(tmp_path: Path) -> None:
    path = _write(tmp_path, {"integrations": [{**DEMO, "id": "${DEMO_TOKEN}"}]})

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    [problem] = caught.value.problems
    assert (problem.field, problem.message) == (
        "integrations[0].id", "environment variable DEMO_TOKEN is not set")


def test_the_service_needs_the_takeover_interval_variable(tmp_path: Path) -> None:
    loaded = load_config(_write(tmp_path, {"takeover_interval": "${TAKEOVER_VAR}"}))

    with pytest.raises(ConfigError, match="takeover_interval: environment variable TAKEOVER_VAR"):
        OceanService(loaded)


def test_a_variable_the_environment_overrides_is_no_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCEAN_API_TOKEN", "from-env")
    monkeypatch.setenv("OCEAN_API__READ_TOKEN", "reader")
    monkeypatch.setenv("OCEAN_INTEGRATIONS", '[{"id": "env", "type": "fake"}]')

    loaded = load_config(_config(tmp_path))

    assert loaded.unresolved == []
    assert loaded.settings.api.token is not None
    assert loaded.settings.api.token.get_secret_value() == "from-env"


def test_ocean_config_dir_is_the_config_files_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCEAN_CONFIG_DIR", "/somewhere/else")  # the file's folder wins
    folder = tmp_path / "conf"
    folder.mkdir()
    path = _write(folder, {"catalog": "sqlite:///${OCEAN_CONFIG_DIR}/data/o.db",
                           "integrations": [{**DEMO, "name": "in ${OCEAN_CONFIG_DIR}"}]})

    loaded = load_config(Path("..") / "conf" / "ocean.yaml")

    assert loaded.settings.catalog == f"sqlite:///{folder.absolute()}/data/o.db"
    assert loaded.settings.integrations[0].name == f"in {folder.absolute()}"
    assert path.is_file()
