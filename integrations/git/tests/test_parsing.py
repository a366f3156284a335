"""Pure parsers: git's NUL-separated output and remote URLs."""

from __future__ import annotations

import pytest

from integrations.git._parse import parse_authors, parse_commits, parse_refs
from integrations.git._remote import parse_remote


def test_log_records_split_on_nul_including_empty_fields() -> None:
    output = "\0".join([
        "c2", "c1", "Ada", "ada@x", "2024-01-02T00:00:00+00:00",
        "Ada", "ada@x", "2024-01-02T00:00:00+00:00", "",  # an empty subject
        "c1", "", "Bob", "bob@x", "2024-01-01T00:00:00+00:00",
        "Bob", "bob@x", "2024-01-01T00:00:00+00:00", "Root: with\ttab",
    ]) + "\0"
    commits = parse_commits(output)
    assert [(c["sha"], c["parents"], c["subject"]) for c in commits] == [
        ("c2", ["c1"], ""), ("c1", [], "Root: with\ttab"),
    ]
    assert parse_commits("") == []


def test_a_truncated_log_is_refused() -> None:
    with pytest.raises(ValueError, match="multiple of 2"):
        parse_authors("Ada\0ada@x\0Bob\0")


def test_refs() -> None:
    date = "2024-01-01T00:00:00+00:00"
    output = (
        f"refs/heads/main\0abc\0{date}\0refs/remotes/origin/main\0*\0\n"
        f"refs/remotes/origin/HEAD\0abc\0{date}\0\0 \0refs/remotes/origin/main\n"
    )
    main, head = parse_refs(output)
    assert main["head"] == "*"
    assert main["upstream"] == "refs/remotes/origin/main"
    assert head["symref"] == "refs/remotes/origin/main"
    with pytest.raises(ValueError, match="fields"):
        parse_refs("refs/heads/main\0abc\n")


@pytest.mark.parametrize(
    ("raw", "url", "path"),
    [
        ("https://github.com/acme/api.git", "https://github.com/acme/api.git", "acme/api"),
        ("https://x-access-token:ghp_secret@github.com/acme/api",
         "https://github.com/acme/api", "acme/api"),
        ("https://ghp_secret@gitlab.com/group/sub/api.git/",
         "https://gitlab.com/group/sub/api.git/", "group/sub/api"),
        ("ssh://git@example.com:2222/acme/api.git", "ssh://git@example.com:2222/acme/api.git",
         "acme/api"),
        ("ssh://git:pw@example.com/acme/api.git", "ssh://git@example.com/acme/api.git",
         "acme/api"),
        ("git@github.com:acme/api.git", "git@github.com:acme/api.git", "acme/api"),
        ("/srv/git/api.git", "/srv/git/api.git", None),
        ("../api", "../api", None),
        ("file:///srv/git/api.git", "file:///srv/git/api.git", None),
        ("https://example.com", "https://example.com", None),
    ],
)
def test_remote_urls(raw: str, url: str, path: str | None) -> None:
    remote = parse_remote(raw)
    assert (remote.url, remote.path) == (url, path)
