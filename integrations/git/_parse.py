"""Parse git's machine-readable output: NUL-separated fields, never human-oriented text.

``git log -z --format=<f1>%x00<f2>...`` ends every commit with a NUL and separates its fields
with NULs, so the output is one flat NUL-separated list that splits into records of a known
width (a field can never hold a NUL). ``git for-each-ref`` has no ``-z``: its records end with a
newline, which a ref name or a date cannot contain.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

COMMIT_FIELDS = ("sha", "parents", "author_name", "author_email", "authored_at",
                 "committer_name", "committer_email", "committed_at", "subject")
COMMIT_FORMAT = "%x00".join(("%H", "%P", "%aN", "%aE", "%aI", "%cN", "%cE", "%cI", "%s"))
"""Author and committer through the mailmap (``%aN``), dates in strict ISO 8601."""

AUTHOR_FIELDS = ("author_name", "author_email")
AUTHOR_FORMAT = "%aN%x00%aE"

REF_FIELDS = ("ref", "sha", "committed_at", "upstream", "head", "symref")
REF_FORMAT = "%00".join((
    "%(refname)", "%(objectname)", "%(committerdate:iso-strict)",
    "%(upstream)", "%(HEAD)", "%(symref)",
))


def records(output: str, width: int) -> Iterator[tuple[str, ...]]:
    """The ``width``-field records of ``git log -z`` output."""
    fields = output.split("\0")
    if fields and fields[-1] == "":
        fields.pop()  # the terminator after the last record
    if len(fields) % width:
        raise ValueError(f"git log output has {len(fields)} fields, not a multiple of {width}")
    for start in range(0, len(fields), width):
        yield tuple(fields[start : start + width])


def parse_commits(output: str) -> list[dict[str, Any]]:
    """Commits from ``git log -z --format=COMMIT_FORMAT``, newest first as git gives them."""
    commits = []
    for record in records(output, len(COMMIT_FIELDS)):
        commit: dict[str, Any] = dict(zip(COMMIT_FIELDS, record, strict=True))
        commit["parents"] = commit["parents"].split()
        commits.append(commit)
    return commits


def parse_authors(output: str) -> list[tuple[str, str]]:
    """(name, email) of every commit from ``git log -z --format=AUTHOR_FORMAT``."""
    return [(name, email) for name, email in records(output, len(AUTHOR_FIELDS))]


def parse_refs(output: str) -> list[dict[str, str]]:
    """Refs from ``git for-each-ref --format=REF_FORMAT``."""
    refs = []
    for line in output.splitlines():
        values: Sequence[str] = line.split("\0")
        if len(values) != len(REF_FIELDS):
            raise ValueError(f"git for-each-ref gave {len(values)} fields in {line!r}")
        refs.append(dict(zip(REF_FIELDS, values, strict=True)))
    return refs
