"""Parse RFC 8288 (formerly RFC 5988) ``Link`` headers.

httpx's ``Response.links`` splits on commas, which breaks on a quoted parameter that contains
one (``title="a, b"``). This parser walks the header once and respects quotes.
"""

from __future__ import annotations

import re

# One link-value: <target> followed by ;-separated params, up to a comma outside quotes.
_TARGET = re.compile(r"\s*<([^>]*)>")
_PARAM = re.compile(r'\s*;\s*([^\s=;,]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;,]*))?')


def parse_link_header(value: str) -> list[tuple[str, dict[str, str]]]:
    """Every ``(target, params)`` in a ``Link`` header, in order; param names lower-cased."""
    links: list[tuple[str, dict[str, str]]] = []
    position = 0
    while (match := _TARGET.match(value, position)) is not None:
        params: dict[str, str] = {}
        position = match.end()
        while (param := _PARAM.match(value, position)) is not None:
            params.setdefault(param.group(1).lower(), _unquote(param.group(2) or ""))
            position = param.end()
        links.append((match.group(1).strip(), params))
        comma = value.find(",", position)
        if comma < 0:
            break
        position = comma + 1
    return links


def next_link(value: str | None) -> str | None:
    """The target whose ``rel`` (a space-separated list) includes ``next``, if any."""
    for target, params in parse_link_header(value or ""):
        if "next" in params.get("rel", "").lower().split():
            return target
    return None


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    return raw
