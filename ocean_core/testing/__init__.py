"""A test kit for integration authors: an in-memory catalog, a one-call resync, recorded HTTP
responses, a conformance suite and signed webhook posts. See docs/testing.md.

    from ocean_core.testing import assert_conforms, pages, recorded_transport, run_resync

    transport = recorded_transport({"/repos": pages([{"id": 1}], [{"id": 2}])})
    outcome = await run_resync(GitHub({"org": "acme"}, transport=transport))
    await assert_conforms(lambda: GitHub({"org": "acme"}, transport=transport))
"""

from __future__ import annotations

from ocean_core.catalog import MemoryCatalog
from ocean_core.testing._conformance import (
    CheckResult,
    ConformanceReport,
    InjectedFailure,
    assert_conforms,
    check_conformance,
)
from ocean_core.testing._mapped import map_items
from ocean_core.testing._run import ResyncOutcome, run_resync
from ocean_core.testing._transport import Pages, RecordedTransport, pages, recorded_transport
from ocean_core.testing._webhooks import hmac_sha256_signature, post_webhook, webhook_path

__all__ = [
    "CheckResult",
    "ConformanceReport",
    "InjectedFailure",
    "MemoryCatalog",
    "Pages",
    "RecordedTransport",
    "ResyncOutcome",
    "assert_conforms",
    "check_conformance",
    "hmac_sha256_signature",
    "map_items",
    "pages",
    "post_webhook",
    "recorded_transport",
    "run_resync",
    "webhook_path",
]
