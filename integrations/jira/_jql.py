"""The JQL of an incremental issue search (rule 9).

Jira compares ``updated`` to the minute, and reads an absolute date in the time zone of the
account that searches, which the integration does not know. So ``since`` is sent as a relative
time, ``updated >= "-125m"``, rounded up to whole minutes: Jira works out the instant on its own
clock, in no time zone. The kind's lag covers what is left: the two clocks a little apart, and
the search index a few seconds behind the writes.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')


def without_order(jql: str) -> str:
    """``jql`` without its ``ORDER BY`` clause (one inside a quoted string does not count)."""
    blanked = _QUOTED.sub(lambda match: " " * len(match.group()), jql)
    found = list(_ORDER_BY.finditer(blanked))
    return (jql[: found[-1].start()] if found else jql).strip()


def minutes_back(since: datetime, now: datetime) -> int:
    """Whole minutes from ``since`` to ``now``, rounded up (at least one): the search starts at
    or before ``since``, never after."""
    return max(1, math.ceil((now - since).total_seconds() / 60))


def changed(jql: str, since: datetime, now: datetime) -> str:
    """The issues of ``jql`` updated since ``since``, newest first."""
    scope = without_order(jql)
    clause = f'updated >= "-{minutes_back(since, now)}m"'
    where = f"({scope}) AND {clause}" if scope else clause
    return f"{where} ORDER BY updated DESC"


def left(jql: str, since: datetime, now: datetime) -> str | None:
    """The issues updated since ``since`` that ``jql`` no longer selects (moved to another
    project, a status the JQL leaves out): for the catalog, gone. None without a scope."""
    scope = without_order(jql)
    if not scope:
        return None
    return (f'updated >= "-{minutes_back(since, now)}m" AND NOT ({scope})'
            " ORDER BY updated DESC")
