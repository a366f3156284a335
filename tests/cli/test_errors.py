"""Exit 2 with one clear line per problem (file, field, value), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._helpers import assert_one_config_error, error_lines, fake, invoke, write_config

_BAD_JQ_MAPPING = {"resources": [{
    "kind": "service",
    "selector": {"query": "true"},
    "port": {"entity": {"mappings": {
        "identifier": ".id |", "title": ".name", "blueprint": '"service"'}}},
}]}


def test_malformed_yaml(conf: Path) -> None:
    config = conf / "ocean.yaml"
    config.write_text("catalog: sqlite:///ocean.db\nintegrations: [\n", encoding="utf-8")

    result = invoke("resync", "--config", config)

    line = assert_one_config_error(result, str(config), "invalid YAML", "line 3")
    assert not (conf / "ocean.db").exists()
    assert line.count("error:") == 1


def test_config_that_is_not_a_mapping(conf: Path) -> None:
    config = conf / "ocean.yaml"
    config.write_text("- just\n- a list\n", encoding="utf-8")

    result = invoke("resync", "--config", config)

    assert_one_config_error(result, str(config), "expected a mapping", "list")


def test_unknown_top_level_key(conf: Path) -> None:
    config = write_config(conf, fake(), bogus=42)

    result = invoke("resync", "--config", config)

    line = assert_one_config_error(result, str(config), "bogus", "unknown key")
    # an unknown key's value is never shown: it may be a secret (the path may hold a 42)
    assert "42" not in line.replace(str(config), "")


def test_unknown_nested_key_names_its_path(conf: Path) -> None:
    config = write_config(conf, {**fake(), "colour": "blue"})

    result = invoke("resync", "--config", config)

    line = assert_one_config_error(result, str(config), "integrations[0].colour", "unknown key")
    assert "blue" not in line


def test_two_problems_give_two_lines(conf: Path) -> None:
    config = write_config(conf, {"id": "demo"}, bogus=1)

    result = invoke("resync", "--config", config)

    assert result.exit_code == 2
    lines = error_lines(result)
    assert len(lines) == 2, lines
    assert any("bogus" in line for line in lines)
    assert any("integrations[0].type" in line and "required" in line for line in lines)
    assert all(line.startswith("error: ") and str(config) in line for line in lines)


def test_unknown_integration_type_lists_installed(conf: Path) -> None:
    config = write_config(conf, {"id": "demo", "type": "nope"})

    result = invoke("resync", "--config", config)

    assert_one_config_error(
        result, str(config), "integrations[0].type", "'nope'", "installed:", "fake", "packages"
    )


def test_bad_integration_config_value(conf: Path) -> None:
    config = write_config(conf, fake(batch_size=0))

    result = invoke("resync", "--config", config)

    assert_one_config_error(result, str(config), "integrations[0].config.batch_size", "0")
    assert not (conf / "ocean.db").exists()  # refused before anything was written


def test_unknown_integration_config_key(conf: Path) -> None:
    config = write_config(conf, fake(colour="blue"))

    result = invoke("resync", "--config", config)

    line = assert_one_config_error(result, str(config), "integrations[0].config.colour",
                                   "unknown key; expected one of: kinds, batch_size")
    assert "blue" not in line


def test_invalid_jq_expression_is_one_line_naming_field_and_value(conf: Path) -> None:
    config = write_config(conf, {**fake(), "mapping": _BAD_JQ_MAPPING})

    result = invoke("resync", "--config", config)

    assert_one_config_error(
        result, str(config), "resources[0]", "port.entity.mappings.identifier", "'.id |'"
    )
    assert not (conf / "ocean.db").exists()


def test_invalid_jq_expression_names_contract_field_path(conf: Path) -> None:
    config = write_config(conf, {**fake(), "mapping": _BAD_JQ_MAPPING})

    result = invoke("resync", "--config", config)

    assert_one_config_error(result, "resources[0].port.entity.mappings.identifier")


def test_missing_mapping_file_names_path(conf: Path) -> None:
    config = write_config(conf, {**fake(), "mapping": "mappings/absent.yaml"})

    result = invoke("resync", "--config", config)

    assert_one_config_error(
        result, str(config), "integrations[0].mapping", str(conf / "mappings" / "absent.yaml")
    )


def test_mapping_file_with_bad_yaml_names_that_file(conf: Path) -> None:
    (conf / "broken.yaml").write_text("resources: [\n", encoding="utf-8")
    config = write_config(conf, {**fake(), "mapping": "broken.yaml"})

    result = invoke("resync", "--config", config)

    assert_one_config_error(result, str(conf / "broken.yaml"), "invalid YAML")


def test_unknown_integration_id_names_configured_ids(conf: Path) -> None:
    config = write_config(conf, fake("alpha"), fake("beta"))

    result = invoke("resync", "--config", config, "--integration", "nope")

    assert_one_config_error(result, str(config), "'nope'", "alpha", "beta")


def test_duplicate_integration_ids(conf: Path) -> None:
    config = write_config(conf, fake("demo"), fake("demo"))

    result = invoke("resync", "--config", config)

    assert_one_config_error(result, str(config), "integrations[1].id", "duplicate", "'demo'")


def test_no_integrations_configured(conf: Path) -> None:
    config = write_config(conf)

    result = invoke("resync", "--config", config)

    assert_one_config_error(result, "integrations", "no integrations configured")


def test_missing_config_file(conf: Path) -> None:
    missing = conf / "absent.yaml"

    result = invoke("resync", "--config", missing)

    assert_one_config_error(result, str(missing), "cannot read config")


def test_default_config_file_missing_in_cwd() -> None:
    result = invoke("resync")

    assert_one_config_error(result, "ocean.yaml", "cannot read config")


def test_unsupported_catalog_url(conf: Path) -> None:
    config = write_config(conf, fake(), catalog="mysql://db")

    result = invoke("resync", "--config", config)

    assert_one_config_error(result, str(config), "catalog", "'mysql://db'")


def test_values_are_printed_as_is_not_as_markup(conf: Path) -> None:
    config = write_config(conf, fake(), catalog="[/x][bold]")

    result = invoke("resync", "--config", config)

    assert_one_config_error(result, "'[/x][bold]'")


def test_bad_env_override_is_a_config_error(conf: Path) -> None:
    config = write_config(conf, fake())

    result = invoke("resync", "--config", config, env={"OCEAN_API": "{not json"})

    assert_one_config_error(result, str(config), "api")


def test_env_override_value_is_validated(conf: Path) -> None:
    config = write_config(conf, fake())

    result = invoke("status", "--config", config, env={"OCEAN_API__PORT": "abc"})

    assert_one_config_error(result, "api.port", '"abc"')


@pytest.mark.parametrize("command", ["entities", "status"])
def test_read_commands_report_config_errors_too(conf: Path, command: str) -> None:
    config = write_config(conf, fake(), bogus=1)

    result = invoke(command, "--config", config)

    assert_one_config_error(result, str(config), "bogus")


def test_usage_error_exits_2(conf: Path) -> None:
    result = invoke("resync", "--no-such-option")

    assert result.exit_code == 2
    assert "--no-such-option" in result.output + result.stderr


def test_entities_limit_must_be_positive(conf: Path) -> None:
    config = write_config(conf, fake())

    result = invoke("entities", "--config", config, "--limit", "0")

    assert result.exit_code == 2
    assert "--limit" in result.output + result.stderr
