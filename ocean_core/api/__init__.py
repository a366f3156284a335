"""The HTTP API of ``ocean sail`` (FastAPI), also embeddable in another ASGI service.

    app = create_app("ocean.yaml")          # uvicorn ocean_core.api:... or `ocean sail`

Every route but ``GET /health`` requires ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from ocean_core.api._app import create_app, require_token

__all__ = ["create_app", "require_token"]
