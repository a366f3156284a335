"""Checks every route shares, at the API's boundary: no NUL character in any string a client
sends (a path or query parameter, a key or value of a JSON body).

A NUL cannot be stored or compared by every catalog alike: PostgreSQL refuses it in text (the
request would fail with 500), SQLite's text functions stop at it (``q=%00`` would match every
entity). So it is refused here, with 422 naming the parameter.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError

NUL = "\x00"


def nul_problem(loc: tuple[int | str, ...]) -> dict[str, Any]:
    return {"loc": loc, "msg": "a NUL character (\\u0000) is not allowed here",
            "type": "string_nul"}


async def refuse_nul(request: Request) -> None:
    """A route dependency: 422 for the first string parameter or body value holding NUL."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and NUL in value:
            raise RequestValidationError([nul_problem(("path", name))])
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise RequestValidationError([nul_problem(("query", name.replace(NUL, "")))])
    body = await request.body()
    if b"\\u0000" in body:  # in JSON text a NUL is always this escape
        where = _nul_in(orjson.loads(body))
        if where is not None:
            raise RequestValidationError([nul_problem(("body", *where))])


def _nul_in(value: Any, where: tuple[int | str, ...] = ()) -> tuple[int | str, ...] | None:
    """Where the first NUL in a JSON value is, or None."""
    if isinstance(value, str):
        return where if NUL in value else None
    if isinstance(value, dict):
        for key, inner in value.items():
            if NUL in key:
                return (*where, key.replace(NUL, "\\u0000"))
            found = _nul_in(inner, (*where, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, inner in enumerate(value):
            found = _nul_in(inner, (*where, index))
            if found is not None:
                return found
    return None
