"""``ocean validate``: every problem of every integration, one line each, before any fetch."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli._helpers import error_lines, fake, invoke, json_out, write_config

FIXTURES = Path(__file__).parent.parent / "mapping" / "fixtures"

_BAD = {"resources": [
    {"kind": "service", "colour": "red", "port": {"entity": {"mappings": {
        "identifier": ".id |", "blueprint": '"service"'}}}},
    {"kind": "nope", "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"x"'}}}},
]}


def test_valid_config_prints_ok_per_integration_and_writes_nothing(conf: Path) -> None:
    config = write_config(conf, fake("demo"), fake("small", kinds={"team": 2}))

    result = invoke("validate", "--config", config)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "ok demo (fake): mapping default, 2 resource(s), kinds: service, team",
        "ok small (fake): mapping default, 1 resource(s), kinds: team",
    ]
    assert not (conf / "ocean.db").exists()


def test_every_problem_one_line_each_with_exit_2(conf: Path) -> None:
    config = write_config(conf, fake("good"), {**fake("bad"), "mapping": _BAD})

    result = invoke("validate", "--config", config)

    assert result.exit_code == 2
    lines = error_lines(result)
    where = f"error: {config}: integrations[1].mapping: "
    assert lines == [
        where + "resources[0].colour: unknown key (kind \"service\");"
        " resources[] takes: kind, selector, port",
        where + "resources[0].port.entity.mappings.identifier: jq compile error: syntax error,"
        " unexpected end of file at <top-level>, line 1, column 5 (kind \"service\","
        " expression: '.id |')",
        where + "resources[1].kind: no fetcher provides kind 'nope' (kind \"nope\","
        " declared kinds: service, team)",
    ]
    assert "ok good (fake)" in result.stdout
    assert not (conf / "ocean.db").exists()


def test_mapping_file_problems_name_the_file(conf: Path) -> None:
    (conf / "m.yaml").write_text(
        "resources:\n  - kind: team\n    port: {entity: {mappings: {identifier: .id,"
        " blueprint: '\"team\"', title: \"'x'\"}}}\n", encoding="utf-8")
    config = write_config(conf, {**fake(), "mapping": "m.yaml"})

    result = invoke("validate", "--config", config)

    [line] = error_lines(result)
    assert result.exit_code == 2
    assert line.startswith(f"error: {conf / 'm.yaml'}: resources[0].port.entity.mappings.title:")
    assert "expression: \"'x'\"" in line and "jq strings take double quotes" in line


def test_one_integration_and_json(conf: Path) -> None:
    config = write_config(conf, fake("good"), {**fake("bad"), "mapping": _BAD})

    ok = invoke("validate", "--config", config, "--integration", "good", "--json")
    bad = invoke("validate", "--config", config, "--integration", "bad", "--json")

    assert ok.exit_code == 0 and json_out(ok) == {"ok": True, "problems": [], "integrations": [
        {"integration_id": "good", "type": "fake", "mapping": "default",
         "kinds": ["service", "team"], "resources": 2, "api_changes": None}]}
    assert bad.exit_code == 2
    payload = json_out(bad)
    assert payload["ok"] is False and payload["integrations"] == []
    assert [p["field"] for p in payload["problems"]] == [
        "resources[0].colour", "resources[0].port.entity.mappings.identifier",
        "resources[1].kind"]
    assert payload["problems"][1]["source"] == f"{config}: integrations[1].mapping"


def test_unknown_integration_and_bad_config_are_config_errors(conf: Path) -> None:
    config = write_config(conf, fake("good"))

    assert invoke("validate", "--config", config, "-i", "nope").exit_code == 2
    broken = write_config(conf, {**fake(), "type": "nope"}, name="broken.yaml")
    result = invoke("validate", "--config", broken)
    assert result.exit_code == 2 and "unknown integration type 'nope'" in result.stderr


def test_port_ocean_fixture_file_validates_for_an_integration_with_those_kinds(
    conf: Path,
) -> None:
    shutil.copy(FIXTURES / "pagerduty.yaml", conf / "pd.yaml")
    kinds = {"services": 1, "incidents": 1, "escalation_policies": 1}
    config = write_config(conf, {**fake("pd", kinds=kinds), "mapping": "pd.yaml"})

    result = invoke("validate", "--config", config)

    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        "ok pd (fake): mapping pd.yaml, 3 resource(s), kinds: services, incidents,"
        " escalation_policies")
