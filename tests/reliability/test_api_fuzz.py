"""API fuzzing: schemathesis generates requests for every operation of the app's own OpenAPI
document (valid ones, and invalid ones the app must refuse), authenticated with the token, and
sends them to the real app in-process (its lifespan started, two ``fake`` integrations synced
and a knowledge base). No response may be a 5xx, and every response must match the schema
where the document describes it. ``OCEAN_SOAK=1`` tries ten times as many examples."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from ocean_core.api import create_app
from ocean_core.api._cursor import encode_cursor
from tests.conftest import drop_postgres_schema
from tests.reliability._support import record, scaled
from tests.service.support import TOKEN, write_config

AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = scaled(200, 2000)
"""Examples over all operations and both generation modes (negative ones send invalid
parameters, bodies or credentials, which must get a 4xx)."""
KNOWN = {"integration_id": "a", "kb_id": "ops"}
BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/integrations/{integration_id}": {"name": "A"},
    "POST /api/knowledge-bases": {"name": "Ops 2"},
    "POST /api/knowledge-bases/{kb_id}/integrations": {"integration_id": "a"},
}
"""A valid body of each operation that takes strings in one (a NUL goes in each field)."""


def _fake(integration_id: str) -> dict[str, Any]:
    return {"id": integration_id, "type": "fake",
            "config": {"kinds": {"service": 6, "team": 2}, "batch_size": 4}}


def _settle(client: Any) -> None:
    """Wait for both start-up resyncs to end, then make the knowledge base ``ops`` with ``a``."""
    deadline = time.monotonic() + 10
    for integration_id in ("a", "b"):
        while True:
            runs = client.get(f"/api/integrations/{integration_id}/resyncs", headers=AUTH)
            assert runs.status_code == 200, runs.text
            listed = runs.json()
            listed = listed.get("items", listed) if isinstance(listed, dict) else listed
            if listed and all(r["status"] not in ("pending", "running") for r in listed):
                break
            assert time.monotonic() < deadline, listed
            time.sleep(0.02)
    made = client.post("/api/knowledge-bases", json={"name": "Ops", "id": "ops"}, headers=AUTH)
    assert made.status_code == 201, made.text
    attached = client.post("/api/knowledge-bases/ops/integrations",
                           json={"integration_id": "a"}, headers=AUTH)
    assert attached.status_code == 201, attached.text


@pytest.fixture(params=["sqlite", "postgres"])
def catalog_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The fuzz runs on each catalog that stores text differently (PostgreSQL refuses NUL)."""
    if request.param == "sqlite":
        yield "sqlite:///catalog.db"
        return
    url: str = request.getfixturevalue("postgres_url")
    schema = f"fuzz_{uuid.uuid4().hex[:8]}"
    yield f"{url}?schema={schema}"
    drop_postgres_schema(url, schema)


def _string_parameters(operation: Any) -> tuple[list[str], list[str]]:
    """The names of an operation's string path and query parameters."""
    def strings(parameters: Any) -> list[str]:
        return [p.name for p in parameters if "string" in json.dumps(p.definition)]
    return strings(operation.path_parameters), strings(operation.query)


def _nul_cases(operation: Any) -> list[tuple[str, Any]]:
    """``(parameter, case)``: one request per string parameter (and string body field) with
    a NUL in it, every other value valid."""
    paths, queries = _string_parameters(operation)
    valid = {p.name: KNOWN.get(p.name, "a") for p in operation.path_parameters}
    body = BODIES.get(operation.label)
    with_body: dict[str, Any] = {"body": body} if body is not None else {}
    cases = [(name, operation.Case(path_parameters={**valid, name: "a\x00b"}, **with_body))
             for name in paths]
    cases += [(name, operation.Case(path_parameters=valid, query={name: "\x00"}, **with_body))
              for name in queries]
    for field in body or {}:
        nul = {**(body or {}), field: "x\x00y"}
        cases.append((field, operation.Case(path_parameters=valid, body=nul)))
    return cases


def _cursor_cases(operation: Any) -> list[Any]:
    """Cursors this API never made: not base64, not a key, not a date, naive, with NUL."""
    if "cursor" not in _string_parameters(operation)[1]:
        return []
    valid = {p.name: KNOWN.get(p.name, "a") for p in operation.path_parameters}
    keys: list[Any] = [{"a": 1}, ["not-a-date", "x"], ["2026-01-01T00:00:00", "x"],
                       ["2026-01-01T00:00:00+00:00", "x\x00"], ["a\x00", "b", "c"], [1, 2, 3]]
    cursors = ["!!not base64!!", "", *(encode_cursor(key) for key in keys)]
    return [operation.Case(path_parameters=valid, query={"cursor": c}) for c in cursors]


def test_fuzzed_requests_get_no_5xx_and_match_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog_url: str
) -> None:
    for name in [n for n in os.environ if n.startswith("OCEAN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, _fake("a"), _fake("b"), catalog=catalog_url)
    app = create_app(config)
    try:
        # The document itself needs the token; loading it starts the app's lifespan, which
        # schemathesis keeps running (in its own event loop thread) for every request.
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=AUTH)
        with asgi.get_client(app) as client:
            _settle(client)
        operations = [result.ok() for result in schema.get_all_operations()]
        # First (the knowledge base still exists): every string a client sends, with a NUL
        # in it, and cursors this API never made: 422 naming the parameter, on every catalog
        # (PostgreSQL used to answer 500).
        refused = 0
        for operation in operations:
            for parameter, case in _nul_cases(operation):
                response = case.call(headers=AUTH)
                assert response.status_code == 422, (operation.label, parameter, response.text)
                assert response.json()["detail"][0]["loc"][-1] == parameter, response.text
                refused += 1
            for case in _cursor_cases(operation):
                response = case.call(headers=AUTH)
                assert response.status_code == 422, (operation.label, response.text)
                assert response.json()["detail"][0]["loc"] == ["query", "cursor"]
                refused += 1
        passes = [(op, mode, {}) for op in operations
                  for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        # Random path parameters mostly meet 404s: one more valid pass with ids that exist.
        passes += [(op, GenerationMode.POSITIVE, known) for op in operations
                   if (known := {p.name: KNOWN[p.name] for p in op.path_parameters
                                 if p.name in KNOWN})]
        per_pass = max(1, EXAMPLES // len(passes))
        statuses: Counter[int] = Counter()
        tried = no_negative = 0

        for operation, mode, path_parameters in passes:

            @given(case=operation.as_strategy(generation_mode=mode,
                                              path_parameters=path_parameters or None))
            @settings(max_examples=per_pass, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def fuzz(case: Any) -> None:
                nonlocal tried
                tried += 1
                response = case.call_and_validate(
                    headers=AUTH, checks=[not_a_server_error, response_schema_conformance]
                )
                statuses[response.status_code] += 1

            try:
                fuzz()
            except Unsatisfiable:
                # No invalid request exists for an operation without parameters or body.
                assert mode is GenerationMode.NEGATIVE, operation.label
                no_negative += 1
    finally:
        asgi.shutdown_lifespans()

    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    record("api_fuzz", examples=tried, operations=len(operations),
           server_errors=server_errors, statuses=dict(sorted(statuses.items())),
           nul_and_cursor_cases=refused)
    print(f"api fuzz ({catalog_url.split(':')[0]}): {tried} examples, {len(operations)}"
          f" operations ({no_negative} without invalid requests), statuses"
          f" {dict(sorted(statuses.items()))}; {refused} NUL and cursor cases, all 422")
    assert server_errors == 0
    assert tried >= len(operations)
    assert sum(n for status, n in statuses.items() if status < 300) > 0
