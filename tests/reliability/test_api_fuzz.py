"""API fuzzing: schemathesis generates requests for every operation of the app's own OpenAPI
document (valid ones, and invalid ones the app must refuse), authenticated with the token, and
sends them to the real app in-process (its lifespan started, two ``fake`` integrations synced
and a knowledge base). No response may be a 5xx, and every response must match the schema
where the document describes it. ``OCEAN_SOAK=1`` tries ten times as many examples."""

from __future__ import annotations

import os
import time
from collections import Counter
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
from tests.reliability._support import record, scaled
from tests.service.support import TOKEN, write_config

AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = scaled(200, 2000)
"""Examples over all operations and both generation modes (negative ones send invalid
parameters, bodies or credentials, which must get a 4xx)."""
KNOWN = {"integration_id": "a", "kb_id": "ops"}


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


def test_fuzzed_requests_get_no_5xx_and_match_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("OCEAN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, _fake("a"), _fake("b"))
    app = create_app(config)
    try:
        # The document itself needs the token; loading it starts the app's lifespan, which
        # schemathesis keeps running (in its own event loop thread) for every request.
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=AUTH)
        with asgi.get_client(app) as client:
            _settle(client)
        operations = [result.ok() for result in schema.get_all_operations()]
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
           server_errors=server_errors, statuses=dict(sorted(statuses.items())))
    print(f"api fuzz: {tried} examples, {len(operations)} operations ({no_negative} without"
          f" invalid requests), statuses {dict(sorted(statuses.items()))}")
    assert server_errors == 0
    assert tried >= len(operations)
    assert sum(n for status, n in statuses.items() if status < 300) > 0
