"""The fast path inside the mapper: same entities as jq, on every realistic mapping we ship."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from integrations.fake import FakeIntegration
from integrations.fake.integration import make_item
from ocean_core.engine._plan import build_plan
from ocean_core.mapping import CompiledResource, load_mapping
from tests.mapping._samples import GITHUB, JIRA, PAGERDUTY

FIXTURES = Path(__file__).with_name("fixtures")
CASES = [("github.yaml", GITHUB), ("jira.yaml", JIRA), ("pagerduty.yaml", PAGERDUTY)]


def _jq_entity(resource: CompiledResource, item: Any) -> Any:
    return resource.combined.input_value(item).first()


def _resources(name: str, samples: dict[str, Any]) -> list[CompiledResource]:
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    return load_mapping(data, source=name, kinds=set(samples)).resources


@pytest.mark.parametrize(("name", "samples"), CASES, ids=[c[0] for c in CASES])
def test_fast_entities_equal_jq_on_realistic_mappings(name: str, samples: Any) -> None:
    compared = 0
    for resource in _resources(name, samples):
        for raw in samples[resource.kind]:
            for item in resource.expand(raw):
                expected = _jq_entity(resource, item)
                assert resource.fast is None or resource.fast(item) in (None, expected)
                mapped = resource.map(item)
                assert mapped.identifier == expected["identifier"]
                assert mapped.properties == expected["properties"]
                assert mapped.relations == expected["relations"]
                compared += 1
    assert compared > 0


def test_typical_mappings_take_the_fast_path() -> None:
    fast = [r for name, samples in CASES for r in _resources(name, samples) if r.fast]
    assert len(fast) >= 3


def test_fake_default_mapping_is_all_fast_and_equal_to_jq() -> None:
    plan = build_plan(FakeIntegration({"kinds": {"service": 1}}), None, None)
    [step] = plan.steps
    resource = step.resource
    assert resource is not None and resource.fast is not None
    for index in range(200):
        item = make_item("service", index)
        assert resource.fast(item) == _jq_entity(resource, item)
