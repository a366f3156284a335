"""``load_config``: the YAML file, environment overrides, relative paths and clear errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest
import yaml

from ocean_core.assembly import build_ocean, open_catalog
from ocean_core.catalog import MemoryCatalog, SQLiteCatalog
from ocean_core.config import LoadedConfig, load_config
from ocean_core.errors import ConfigError, MappingError, OceanError


def _write(folder: Path, data: Any, name: str = "ocean.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def _problems(exc: pytest.ExceptionInfo[ConfigError]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


FAKE = {"id": "demo", "type": "fake", "config": {"kinds": {"service": 3}}}


# -- reading the file ----------------------------------------------------------------------


def test_full_example_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, """
catalog: sqlite:///data/ocean.db
api: {host: 0.0.0.0, port: 8080, token: change-me}
integrations:
  - id: demo
    type: fake
    name: Demo data
    config: {kinds: {service: 100, team: 10}, batch_size: 50}
    mapping: mappings/demo.yaml
    resync_on_start: false
    scheduled_resync_interval: 2h
""")

    loaded = load_config(path)

    settings = loaded.settings
    assert isinstance(loaded, LoadedConfig)
    assert loaded.path == path and loaded.base == tmp_path
    assert settings.catalog == "sqlite:///data/ocean.db"
    assert (settings.api.host, settings.api.port) == ("0.0.0.0", 8080)
    assert settings.api.token is not None
    assert settings.api.token.get_secret_value() == "change-me"
    assert "change-me" not in repr(settings)  # a secret stays out of logs
    [item] = settings.integrations
    assert (item.id, item.type, item.name) == ("demo", "fake", "Demo data")
    assert item.config == {"kinds": {"service": 100, "team": 10}, "batch_size": 50}
    assert item.mapping == "mappings/demo.yaml"
    assert item.resync_on_start is False
    assert item.scheduled_resync_interval == timedelta(hours=2)
    assert settings.integration("demo") is item


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    settings = load_config(_write(tmp_path, "")).settings

    assert settings.catalog == "sqlite:///ocean.db"
    assert (settings.api.host, settings.api.port, settings.api.token) == ("127.0.0.1", 8000, None)
    assert settings.integrations == []


def test_integration_defaults(tmp_path: Path) -> None:
    [item] = load_config(_write(tmp_path, {"integrations": [{"id": "d", "type": "fake"}]})
                         ).settings.integrations

    assert item.config == {} and item.mapping is None and item.name is None
    assert item.resync_on_start is True
    assert item.scheduled_resync_interval is None


def test_inline_mapping_is_kept_as_a_dict(tmp_path: Path) -> None:
    mapping = {"resources": [{"kind": "service"}]}
    path = _write(tmp_path, {"integrations": [{**FAKE, "mapping": mapping}]})

    assert load_config(path).settings.integrations[0].mapping == mapping


# -- relative paths ------------------------------------------------------------------------


def test_relative_catalog_path_is_relative_to_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "conf", {"catalog": "sqlite:///data/ocean.db"})
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")

    catalog = open_catalog(load_config(Path("..") / "conf" / "ocean.yaml"))

    assert isinstance(catalog, SQLiteCatalog)
    assert Path(catalog.path).resolve() == (path.parent / "data" / "ocean.db").resolve()


def test_absolute_catalog_path_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "abs" / "catalog.db"
    path = _write(tmp_path / "conf", {"catalog": f"sqlite:///{target}"})

    catalog = open_catalog(load_config(path))

    assert isinstance(catalog, SQLiteCatalog)
    assert Path(catalog.path) == target


def test_relative_mapping_file_is_relative_to_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = tmp_path / "conf"
    _write(conf / "mappings", {"resources": [{
        "kind": "team", "selector": {"query": "true"},
        "port": {"entity": {"mappings": {
            "identifier": ".id", "title": ".name", "blueprint": '"squad"'}}},
    }]}, name="demo.yaml")
    path = _write(conf, {
        "integrations": [{**FAKE, "config": {"kinds": {"service": 2, "team": 3}},
                          "mapping": "mappings/demo.yaml"}],
    })
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")

    async def main() -> list[tuple[str, str]]:
        loaded = load_config(path)
        catalog = open_catalog(loaded)
        try:
            result = await build_ocean(loaded, 0, catalog).resync()
            assert result.status.value == "succeeded"
            found = await catalog.list_entities(integration_id="demo")
            return sorted((e.blueprint, e.identifier) for e in found)
        finally:
            await catalog.close()

    assert anyio.run(main) == [("squad", "team-0"), ("squad", "team-1"), ("squad", "team-2")]
    assert (conf / "ocean.db").is_file()
    assert not (tmp_path / "elsewhere" / "ocean.db").exists()


# -- environment overrides -----------------------------------------------------------------


def test_env_catalog_wins_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, {"catalog": "sqlite:///file.db"})
    monkeypatch.setenv("OCEAN_CATALOG", "sqlite:///env.db")

    loaded = load_config(path)

    assert loaded.settings.catalog == "sqlite:///env.db"
    catalog = open_catalog(loaded)
    assert isinstance(catalog, SQLiteCatalog)
    assert Path(catalog.path) == tmp_path / "env.db"  # still relative to the config file


def test_env_nested_value_merges_with_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, {"api": {"host": "0.0.0.0", "port": 8080}})
    monkeypatch.setenv("OCEAN_API__PORT", "9001")

    api = load_config(path).settings.api

    assert (api.host, api.port) == ("0.0.0.0", 9001)


def test_env_integrations_as_json_replace_file_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, {"integrations": [FAKE]})
    monkeypatch.setenv("OCEAN_INTEGRATIONS", '[{"id": "from-env", "type": "fake"}]')

    items = load_config(path).settings.integrations

    assert [i.id for i in items] == ["from-env"]


def test_api_token_from_env_wins_over_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, {"api": {"token": "from-file"}})
    monkeypatch.setenv("OCEAN_API_TOKEN", "from-env")

    token = load_config(path).settings.api.token

    assert token is not None and token.get_secret_value() == "from-env"


def test_api_token_from_env_without_file_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, {})
    monkeypatch.setenv("OCEAN_API_TOKEN", "only-env")

    token = load_config(path).settings.api.token

    assert token is not None and token.get_secret_value() == "only-env"


def test_api_token_from_file_when_env_unset(tmp_path: Path) -> None:
    token = load_config(_write(tmp_path, {"api": {"token": "from-file"}})).settings.api.token

    assert token is not None and token.get_secret_value() == "from-file"


def test_sdk_variables_in_env_do_not_break_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK reads OCEAN_API_URL; the same shell must still load a config file."""
    monkeypatch.setenv("OCEAN_API_URL", "http://127.0.0.1:8000")

    settings = load_config(_write(tmp_path, {"integrations": [FAKE]})).settings

    assert [i.id for i in settings.integrations] == ["demo"]


def test_env_value_that_is_not_json_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, {})
    monkeypatch.setenv("OCEAN_API", "{not json")

    with pytest.raises(ConfigError) as exc:
        load_config(path)

    [problem] = exc.value.problems
    assert problem.source == str(path)
    assert "api" in problem.message


def test_env_value_is_validated_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCEAN_API__PORT", "not-a-port")

    with pytest.raises(ConfigError) as exc:
        load_config(_write(tmp_path, {}))

    assert '"not-a-port"' in _problems(exc)["api.port"]


# -- errors name the file, the field and the value -----------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "absent.yaml")

    [problem] = exc.value.problems
    assert problem.source == str(tmp_path / "absent.yaml")
    assert "cannot read config" in problem.message
    assert isinstance(exc.value, OceanError)


def test_malformed_yaml_is_one_line_with_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "catalog: ok\nintegrations: [\n  {id: a\n")

    with pytest.raises(ConfigError) as exc:
        load_config(path)

    [problem] = exc.value.problems
    text = str(problem)
    assert text.startswith(f"{path}: invalid YAML")
    assert "\n" not in text
    assert "line " in text and "column " in text


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(_write(tmp_path, "- a\n- b\n"))

    assert "expected a mapping at the top, got list" in str(exc.value)


def test_unknown_keys_are_named_never_their_value(tmp_path: Path) -> None:
    """The value of an unknown key is likely the secret meant for a misspelt key: the message
    names the key and the close known one (or the known keys), never the value."""
    path = _write(tmp_path, {"bogus": 7777, "api": {"prot": 1},
                             "integrations": [{**FAKE, "x": "open-sesame"}]})

    with pytest.raises(ConfigError) as exc:
        load_config(path)

    problems = _problems(exc)
    assert set(problems) == {"bogus", "api.prot", "integrations[0].x"}
    assert all("unknown key" in m for m in problems.values())
    assert "7777" not in str(exc.value) and "open-sesame" not in str(exc.value)
    assert problems["api.prot"] == "unknown key; did you mean 'port'?"
    assert problems["bogus"] == (
        "unknown key; expected one of: catalog, api, takeover_interval, mapping_timeout,"
        " webhooks, integrations"
    )
    assert {p.source for p in exc.value.problems} == {str(path)}
    assert len(str(exc.value).splitlines()) == 1


def test_missing_required_fields(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(_write(tmp_path, {"integrations": [{"name": "x"}]}))

    assert _problems(exc) == {"integrations[0].id": "required", "integrations[0].type": "required"}


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        ({"api": {"port": 70000}}, "api.port", "70000"),
        ({"integrations": [{**FAKE, "deletion_threshold": 2}]},
         "integrations[0].deletion_threshold", "2"),
        ({"integrations": [{**FAKE, "resync_on_start": "maybe"}]},
         "integrations[0].resync_on_start", '"maybe"'),
        ({"integrations": [{**FAKE, "id": ""}]}, "integrations[0].id", '""'),
        ({"integrations": "demo"}, "integrations", '"demo"'),
        ({"catalog": 5}, "catalog", "5"),
    ],
)
def test_invalid_values_name_field_and_value(
    tmp_path: Path, data: dict[str, Any], field: str, value: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        load_config(_write(tmp_path, data))

    problems = _problems(exc)
    assert list(problems) == [field]
    assert f"(got {value})" in problems[field]


def test_duplicate_integration_ids(tmp_path: Path) -> None:
    path = _write(tmp_path, {"integrations": [FAKE, {**FAKE, "type": "packages"}, FAKE]})

    with pytest.raises(ConfigError) as exc:
        load_config(path)

    assert _problems(exc) == {
        "integrations[1].id": "duplicate id 'demo' (also integrations[0].id)",
        "integrations[2].id": "duplicate id 'demo' (also integrations[0].id)",
    }


def test_unknown_integration_id_names_configured(tmp_path: Path) -> None:
    settings = load_config(_write(tmp_path, {"integrations": [FAKE]})).settings

    with pytest.raises(ConfigError) as exc:
        settings.integration("nope")

    assert "'nope'" in str(exc.value) and "configured: demo" in str(exc.value)


# -- building runtimes from the config -----------------------------------------------------


def _build(tmp_path: Path, item: dict[str, Any]) -> None:
    loaded = load_config(_write(tmp_path, {"integrations": [item]}))
    build_ocean(loaded, 0, open_catalog(loaded))


def test_unknown_type_lists_installed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        _build(tmp_path, {"id": "demo", "type": "nope"})

    [problem] = exc.value.problems
    assert problem.field == "integrations[0].type"
    assert problem.source == str(tmp_path / "ocean.yaml")
    assert "'nope'" in problem.message
    assert "fake" in problem.message and "packages" in problem.message


def test_integration_config_is_validated_by_its_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        _build(tmp_path, {**FAKE, "config": {"batch_size": 0, "latency": -1}})

    problems = _problems(exc)
    assert set(problems) == {"integrations[0].config.batch_size", "integrations[0].config.latency"}
    assert "(got 0)" in problems["integrations[0].config.batch_size"]


def test_missing_mapping_file_names_field_and_path(tmp_path: Path) -> None:
    with pytest.raises(MappingError) as exc:
        _build(tmp_path, {**FAKE, "mapping": "mappings/absent.yaml"})

    [problem] = exc.value.problems
    assert problem.field == "integrations[0].mapping"
    assert problem.source == str(tmp_path / "ocean.yaml")
    assert str(tmp_path / "mappings" / "absent.yaml") in problem.message


def test_unsupported_catalog_url_names_file(tmp_path: Path) -> None:
    loaded = load_config(_write(tmp_path, {"catalog": "ftp://x"}))

    with pytest.raises(ConfigError) as exc:
        open_catalog(loaded)

    [problem] = exc.value.problems
    assert (problem.field, problem.source) == ("catalog", str(tmp_path / "ocean.yaml"))
    assert "'ftp://x'" in problem.message


def test_environment_variables_fill_string_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_TOKEN", "s3cret")
    monkeypatch.delenv("SHOP_REGION", raising=False)
    path = tmp_path / "ocean.yaml"
    path.write_text(yaml.safe_dump({
        "api": {"token": "${SHOP_TOKEN}"},
        "integrations": [{"id": "demo", "type": "fake", "config": {
            "kinds": {"service": 1}, "revision": "${SHOP_REVISION:-7}",
            "fail": {}, "batch_size": 10,
        }, "name": "Shop in ${SHOP_REGION:-eu} costs $${not expanded}"}],
    }), encoding="utf-8")
    settings = load_config(path).settings
    assert settings.api.token is not None and settings.api.token.get_secret_value() == "s3cret"
    assert settings.integrations[0].config["revision"] == "7"
    assert settings.integrations[0].name == "Shop in eu costs ${not expanded}"


def test_a_missing_environment_variable_names_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    path = tmp_path / "ocean.yaml"
    path.write_text(yaml.safe_dump({"integrations": [{
        "id": "demo", "type": "fake", "config": {"token": "Bearer ${NO_SUCH_TOKEN}"},
    }]}), encoding="utf-8")
    loaded = load_config(path)  # an error only where the field is used: building demo
    with pytest.raises(ConfigError) as caught:
        build_ocean(loaded, 0, MemoryCatalog())
    (problem,) = caught.value.problems
    assert problem.field == "integrations[0].config.token"
    assert "NO_SUCH_TOKEN is not set" in problem.message and problem.source == str(path)


@pytest.mark.parametrize(("written", "seconds"), [(None, 30.0), ("2s", 2.0), (90, 90.0)])
def test_mapping_timeout_reaches_every_step_of_the_runtime(
    tmp_path: Path, written: object, seconds: float
) -> None:
    from ocean_core.assembly import build_ocean
    from ocean_core.catalog import MemoryCatalog

    data: dict[str, object] = {"catalog": "memory://", "integrations": [
        {"id": "demo", "type": "fake", "config": {"kinds": {"service": 1}}}]}
    if written is not None:
        data["mapping_timeout"] = written
    path = tmp_path / "ocean.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")

    ocean = build_ocean(load_config(path), 0, MemoryCatalog())

    assert ocean.plan.mapping_timeout == seconds
    assert {step.mapping_timeout for step in ocean.plan.steps} == {seconds}
