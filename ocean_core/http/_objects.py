"""``get_object``: one object of a REST API by its path, or ``None`` when it is gone.

A webhook handler re-reads what a vendor's payload gives in part (rule 8); an object deleted
meanwhile answers 404 (410 on some APIs), which means "delete it", not an error.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import httpx

from ocean_core.errors import UnexpectedPayloadError
from ocean_core.http._errors import raise_for_status
from ocean_core.http._paginate import Params


async def get_object(
    client: httpx.AsyncClient, path: str, *, params: Params | None = None,
    gone: Collection[int] = (404,), key: str | None = None,
) -> dict[str, Any] | None:
    """GET ``path``: its JSON object (with ``key``, the object under that key of the body),
    ``None`` when the status is one of ``gone``. Another error status raises as
    ``raise_for_status`` does; a body of another shape, ``UnexpectedPayloadError``."""
    response = await client.get(path, params=params)
    if response.status_code in gone:
        return None
    found = raise_for_status(response).json()
    if key is not None:
        found = found.get(key) if isinstance(found, dict) else None
    if not isinstance(found, dict):
        raise UnexpectedPayloadError(path, f"an {key!r} object" if key else "one JSON object")
    return found
