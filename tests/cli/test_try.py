"""``ocean try KIND``: the first items of one kind, each with its raw item, the selector's
verdict, its mapped fields and its errors; nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cli._helpers import assert_one_config_error, fake, flat, invoke, json_out, write_config


def _mapping(selector: str = "true", identifier: str = ".id") -> dict[str, Any]:
    return {"resources": [{"kind": "service", "selector": {"query": selector}, "port": {
        "entity": {"mappings": {"identifier": identifier, "title": ".name",
                                "blueprint": '"service"',
                                "properties": {"tier": ".meta.tier"},
                                "relations": {"team": ".team"}}}}}]}


def test_try_shows_each_item_its_verdict_its_fields_and_its_errors(conf: Path) -> None:
    config = write_config(conf, {**fake(kinds={"service": 50}, batch_size=10),
                                 "mapping": _mapping(selector=".index != 1",
                                                     identifier='if .index == 2 then null'
                                                     ' else .id end')})

    result = invoke("try", "service", "-c", config, "--limit", "3", "--json")
    shown = invoke("try", "service", "-c", config, "--limit", "3")

    assert result.exit_code == 1  # an item has an error
    report = json_out(result)
    assert (report["integration_id"], report["kind"], report["fetched"]) == (
        "demo", "service", 10)  # the first page only
    first, filtered, broken = report["items"]
    assert '"id": "service-0"' in first["raw"] and first["selected"] is True
    assert first["entities"] == [{
        "identifier": "service-0", "blueprint": "service", "title": "Service 0",
        "team": None, "icon": None, "properties.tier": 0, "relations.team": "team-0"}]
    assert first["errors"] == []
    assert filtered["selected"] is False and filtered["entities"] == []
    assert filtered["errors"] == []
    assert broken["selected"] is True and broken["entities"][0]["identifier"] is None
    assert broken["errors"] == ["mapping resources[0].port.entity.mappings.identifier is null"
                                ' (kind "service")']
    text = flat(shown.stdout)
    assert "demo · kind service · the first 3 of 10 fetched item(s) · nothing written" in text
    assert "item 2 (resources[0]): filtered out by the selector" in text
    assert 'relations.team "team-0"' in text and "error: mapping resources[0]" in text
    assert not (conf / "ocean.db").exists()  # no catalog made, nothing written


def test_try_reads_the_mapping_in_effect_and_refuses_an_unknown_kind(conf: Path) -> None:
    config = write_config(conf, fake("a", kinds={"service": 2}), fake("b", kinds={"team": 2}))

    team = invoke("try", "team", "-c", config)  # only b has it: no -i needed
    unknown = invoke("try", "nope", "-c", config, "-i", "a")
    both = write_config(conf, fake("a", kinds={"team": 2}), fake("b", kinds={"team": 2}))
    ambiguous = invoke("try", "team", "-c", both)

    assert team.exit_code == 0 and "b · kind team · the first 2 of 2" in flat(team.stdout)
    assert_one_config_error(unknown, "KIND", "integration 'a' runs no kind 'nope'",
                            "its kinds: service")
    assert_one_config_error(ambiguous, "--integration", "configured: a, b")


def test_a_fetch_error_is_shown_with_its_traceback(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 5}, fail={"service": 0}))

    result = invoke("try", "service", "-c", config)

    assert result.exit_code == 1
    text = flat(result.stdout)
    assert "fetch error: FakeFetchError: injected failure" in text
    assert "Traceback (most recent call last)" in text
