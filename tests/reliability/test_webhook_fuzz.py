"""Fuzzing the webhook route's bodies, headers and query strings (hypothesis): no answer is a
5xx; an unsigned or wrongly signed request is 401 and leaves nothing in the inbox; a signed
one is 202 whatever its bytes, and the worker settles it (handled, or failed with its error:
a body that is not JSON, or not the handler's shape) without ever stopping.
``OCEAN_SOAK=1`` tries ten times as many examples."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocean_core.testing import post_webhook
from tests.reliability._support import record, scaled
from tests.service.conftest import Served, serving
from tests.service.hooked import SIGNATURE, hooked, signed
from tests.service.support import TOKEN, write_config

EXAMPLES = scaled(150, 1500)

_token = st.text(st.characters(min_codepoint=33, max_codepoint=126, exclude_characters=":"),
                 min_size=1, max_size=20)
_value = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
_headers = st.dictionaries(_token.filter(lambda n: n.lower() not in {
    "content-length", "transfer-encoding", "host"}), _value, max_size=6)
_query = st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=3),
    max_leaves=8,
)
_bodies = st.one_of(
    st.binary(max_size=300),
    _json.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda action, item: json.dumps({"action": action, "item": item}).encode(),
              st.sampled_from(["upserted", "deleted", "other"]),
              st.dictionaries(st.sampled_from(["id", "name", "hidden"]), _json, max_size=3)),
)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[tuple[BlockingPortal, Served]]:
    """The app served in its own event loop thread; examples call it through the portal."""
    for name in [n for n in os.environ if n.startswith("OCEAN_")]:
        monkeypatch.delenv(name)
    config = write_config(tmp_path, hooked("h"), api={"token": TOKEN, "max_body_bytes": 256},
                          webhooks={"retry_delay": 0, "max_attempts": 2})
    with start_blocking_portal() as portal, portal.wrap_async_context_manager(
            serving(config)) as running:
        yield portal, running


def test_fuzzed_webhooks_get_no_5xx_and_unverified_ones_leave_nothing(
    served: tuple[BlockingPortal, Served],
) -> None:
    portal, running = served
    statuses: dict[int, int] = {}
    accepted = 0

    def stats() -> dict[str, Any]:
        answer = portal.call(running.client.get, "/api/integrations/h/webhooks")
        found: dict[str, Any] = answer.json()
        return found

    @given(body=_bodies, headers=_headers, query=_query, sign=st.sampled_from(
        ["none", "right", "wrong", "garbage"]))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def fuzz(body: bytes, headers: dict[str, str], query: dict[str, str], sign: str) -> None:
        nonlocal accepted
        sent = {k: v for k, v in headers.items() if k.lower() != SIGNATURE.lower()}
        if sign == "right":
            sent.update(signed(body))
        elif sign == "wrong":
            sent.update(signed(body, "not-the-secret"))
        elif sign == "garbage":
            sent[SIGNATURE] = headers.get("x", "sha256=00")
        before = stats()["received"]
        response = portal.call(partial(post_webhook, running.client, "h", "items", body, sent,
                                       query=query))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, response.text
        if response.status_code == 202:
            assert sign == "right"
            accepted += 1
        else:
            assert stats()["received"] == before, response.text
        if sign != "right":
            assert response.status_code in (401, 413, 422), response.text

    fuzz()
    worker = running.service.get("h").webhooks.worker

    async def settled() -> None:
        with anyio.fail_after(60):
            await worker.wait_settled(accepted)

    portal.call(settled)
    final = stats()
    record("webhook_fuzz", examples=EXAMPLES, statuses=dict(sorted(statuses.items())),
           accepted=accepted, handled=final["handled"], failed=final["failed"])
    assert accepted > 0 and statuses.get(401, 0) > 0
    assert final["handled"] + final["failed"] == accepted and final["pending"] == 0
