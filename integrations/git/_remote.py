"""Remote URLs: strip credentials before they reach the catalog, and name a repository by them.

Git accepts three spellings of a remote: a URL (``https://host/acme/api.git``,
``ssh://git@host:22/acme/api.git``), the scp-like ``git@host:acme/api.git``, and a local path
(``/srv/git/api.git``, ``../api``, ``file:///srv/git/api.git``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

# user@host:path, where host has no slash and the path does not start with "//" (that is a URL).
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^/:]{2,}):(?!//)(?P<path>.+)$")
_NETWORK_SCHEMES = frozenset({"http", "https", "ssh", "git", "git+ssh", "ssh+git", "ftp", "ftps"})


@dataclass(frozen=True)
class Remote:
    """A remote URL without credentials, and the repository path it names on its host."""

    url: str
    path: str | None
    """``acme/api`` for a hosted remote; None for a local path or a URL with no path."""


def parse_remote(raw: str) -> Remote:
    """Parse a remote URL as git spells it; a password or token in it is dropped."""
    text = raw.strip()
    if "://" in text:
        return _parse_url(text)
    match = _SCP_LIKE.match(text)
    if match is not None:
        return Remote(text, _repo_path(match["path"]))
    return Remote(text, None)


def _parse_url(text: str) -> Remote:
    parts = urlsplit(text)
    if parts.scheme.lower() not in _NETWORK_SCHEMES or not parts.hostname:
        return Remote(text, None)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    # Over HTTP(S) a user name is often a token itself (https://<token>@github.com/...); over
    # SSH it is the account (git@) and harmless. A password is never kept.
    keep_user = parts.username is not None and not parts.scheme.lower().startswith("http")
    netloc = f"{parts.username}@{host}" if keep_user else host
    clean = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return Remote(clean, _repo_path(parts.path))


def _repo_path(path: str) -> str | None:
    trimmed = path.strip("/").removesuffix(".git").strip("/")
    return trimmed or None
