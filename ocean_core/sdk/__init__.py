"""The Python SDK of the ocean_core HTTP API (``ocean sail``).

Configured by ``OCEAN_API_URL`` (default ``http://127.0.0.1:8000``) and ``OCEAN_API_TOKEN``,
read at the first call; ``configure(url=..., token=...)`` or ``client=`` on any method
instead. Every call blocks; ``ocean_core.sdk.aio`` has the same names, awaited::

    from ocean_core.sdk import Integration, KnowledgeBase, KbIntegrationNotFound

    integration = [i for i in Integration.list() if i.type == "Box"][-1]
    integration.resync()                        # returns at once (a Run handle)

    kb = KnowledgeBase.new(name="SDK resync demo")
    kb.attach(integration.object_id)
    run = kb.resync_integration(integration.object_id)
    run.wait(timeout=60)                        # follow the run to its end
    try:
        kb.resync_integration("not-a-real-integration-id")
    except KbIntegrationNotFound as exc:        # raised before any resync request is sent
        print(exc.integration_id, exc.available)
    kb.delete()

Errors form one tree under ``ocean_core.errors.OceanError`` (see ``SDKError``): one class per
status family (``Unauthorized``, ``NotFound``, ``RateLimited``...). Idempotent requests are
retried after a connection error, a timeout, 429 or 503; a POST or PATCH never is.
"""

from __future__ import annotations

from ocean_core.sdk._client import Client, configure, default_client
from ocean_core.sdk._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequest,
    Conflict,
    Forbidden,
    KbIntegrationNotFound,
    NotFound,
    RateLimited,
    RunWaitTimeout,
    SDKError,
    ServerError,
    Unauthorized,
    UnprocessableEntity,
)
from ocean_core.sdk._models import IntegrationStatus, RunHandle, WebhookFailure, WebhookStats
from ocean_core.sdk._resources import Integration, KnowledgeBase, Run
from ocean_core.sdk._retry import SDK_RETRY
from ocean_core.sdk._shared import KbIntegration

__all__ = [
    "SDK_RETRY",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "BadRequest",
    "Client",
    "Conflict",
    "Forbidden",
    "Integration",
    "IntegrationStatus",
    "KbIntegration",
    "KbIntegrationNotFound",
    "KnowledgeBase",
    "NotFound",
    "RateLimited",
    "Run",
    "RunHandle",
    "RunWaitTimeout",
    "SDKError",
    "ServerError",
    "Unauthorized",
    "UnprocessableEntity",
    "WebhookFailure",
    "WebhookStats",
    "configure",
    "default_client",
]
