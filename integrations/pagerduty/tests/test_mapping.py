"""The default mapping on the recorded account: identifiers, titles, properties, relations."""

from __future__ import annotations

import pytest

from ocean_core import Entity, ResyncStatus
from ocean_core.testing import run_resync

from .conftest import make


@pytest.fixture
async def entities() -> dict[tuple[str, str], Entity]:
    outcome = await run_resync(make())
    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    return {(e.blueprint, e.identifier): e for e in outcome.entities}


@pytest.mark.anyio
async def test_every_kind_maps_to_its_blueprint(entities: dict[tuple[str, str], Entity]) -> None:
    assert sorted(entities) == [
        ("pagerdutyEscalationPolicy", "PEP0001"),
        ("pagerdutyEscalationPolicy", "PEP0002"),
        ("pagerdutyIncident", "Q0ZX7Y6W5VUTSR"),
        ("pagerdutyIncident", "Q2K8W1ZQ4ABCDE"),
        ("pagerdutyOncall", "PSCH001:PEP0001:1:PUSR001"),
        ("pagerdutyOncall", "direct:PEP0001:2:PUSR003"),
        ("pagerdutyOncall", "direct:PEP0002:1:PUSR002"),
        ("pagerdutySchedule", "PSCH001"),
        ("pagerdutyService", "PSVC001"),
        ("pagerdutyService", "PSVC002"),
        ("pagerdutyService", "PSVC003"),
    ]


@pytest.mark.anyio
async def test_service(entities: dict[tuple[str, str], Entity]) -> None:
    service = entities["pagerdutyService", "PSVC001"]
    assert service.title == "Checkout API"
    assert service.kind == "service"
    assert service.properties == {
        "status": "critical",
        "url": "https://acme.pagerduty.com/service-directory/PSVC001",
        "description": "Payments and order placement",
        "createdAt": "2023-02-14T09:12:44Z",
        "lastIncidentAt": "2024-06-10T07:58:01Z",
        "teams": ["Payments"],
    }
    assert service.relations == {"escalationPolicy": "PEP0001"}
    assert entities["pagerdutyService", "PSVC002"].properties["description"] is None


@pytest.mark.anyio
async def test_incident(entities: dict[tuple[str, str], Entity]) -> None:
    incident = entities["pagerdutyIncident", "Q0ZX7Y6W5VUTSR"]
    assert incident.title == "Search index lag"
    assert incident.properties == {
        "number": 1025,
        "status": "triggered",
        "urgency": "low",
        "priority": None,
        "assignees": ["Grace Hopper", "Alan Turing"],
        "createdAt": "2024-06-11T14:20:33Z",
        "updatedAt": "2024-06-11T14:20:33Z",
        "url": "https://acme.pagerduty.com/incidents/Q0ZX7Y6W5VUTSR",
    }
    assert incident.relations == {"service": "PSVC002", "escalationPolicy": "PEP0002"}
    assert entities["pagerdutyIncident", "Q2K8W1ZQ4ABCDE"].properties["priority"] == "P1"


@pytest.mark.anyio
async def test_escalation_policy(entities: dict[tuple[str, str], Entity]) -> None:
    policy = entities["pagerdutyEscalationPolicy", "PEP0001"]
    assert policy.title == "Payments on-call"
    assert policy.properties["numberOfRules"] == 2
    assert policy.properties["numLoops"] == 2
    assert policy.properties["url"] == "https://acme.pagerduty.com/escalation_policies/PEP0001"
    assert policy.relations == {"services": ["PSVC001"]}
    assert entities["pagerdutyEscalationPolicy", "PEP0002"].relations == {
        "services": ["PSVC002", "PSVC003"]
    }


@pytest.mark.anyio
async def test_schedule(entities: dict[tuple[str, str], Entity]) -> None:
    schedule = entities["pagerdutySchedule", "PSCH001"]
    assert schedule.title == "Payments primary"
    assert schedule.properties["timeZone"] == "Europe/London"
    assert schedule.properties["users"] == ["Ada Lovelace", "Alan Turing"]
    assert schedule.relations == {"escalationPolicies": ["PEP0001"]}


@pytest.mark.anyio
async def test_oncall(entities: dict[tuple[str, str], Entity]) -> None:
    scheduled = entities["pagerdutyOncall", "PSCH001:PEP0001:1:PUSR001"]
    assert scheduled.title == "Ada Lovelace (level 1)"
    assert scheduled.properties == {
        "user": "Ada Lovelace", "userId": "PUSR001", "level": 1,
        "start": "2024-06-10T09:00:00Z", "end": "2024-06-17T09:00:00Z",
    }
    assert scheduled.relations == {"schedule": "PSCH001", "escalationPolicy": "PEP0001"}
    direct = entities["pagerdutyOncall", "direct:PEP0001:2:PUSR003"]
    assert direct.properties["start"] is None
    assert direct.relations == {"schedule": None, "escalationPolicy": "PEP0001"}
