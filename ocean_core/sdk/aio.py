"""The async twin of ``ocean_core.sdk``: the same names, ``await``-able methods.

    from ocean_core.sdk.aio import AsyncClient, Integration, KnowledgeBase

    async with AsyncClient() as client:                     # OCEAN_API_URL, OCEAN_API_TOKEN
        demo = await Integration.get("demo", client=client)
        run = await (await demo.resync()).wait(timeout=60)
        kb = await KnowledgeBase.new(name="Docs", client=client)
        async for entity in kb.entities(blueprint="file"):
            print(entity.identifier)

Without ``client=``, a default ``AsyncClient`` is made from the environment at first use
(``await configure(...)`` replaces it). The errors are those of ``ocean_core.sdk``.
"""

from __future__ import annotations

from ocean_core.sdk._aio_resources import Integration, KnowledgeBase, Run
from ocean_core.sdk._async_client import AsyncClient, configure, default_client
from ocean_core.sdk._errors import KbIntegrationNotFound, RunWaitTimeout, SDKError
from ocean_core.sdk._shared import KbIntegration

__all__ = [
    "AsyncClient",
    "Integration",
    "KbIntegration",
    "KbIntegrationNotFound",
    "KnowledgeBase",
    "Run",
    "RunWaitTimeout",
    "SDKError",
    "configure",
    "default_client",
]
