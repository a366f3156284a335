"""What every benchmark child shares: the result protocol, the fake config, memory readings."""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

RESULT_MARKER = "BENCH-RESULT "
"""A child prints its result as one JSON line with this prefix on stdout."""

INTEGRATION_ID = "bench"
KIND = "service"
BATCH_SIZE = 1000


def fake_config(n: int, *, entities: bool) -> dict[str, Any]:
    """The ``fake`` integration's config for ``n`` items of one kind, no simulated latency."""
    return {
        "kinds": {KIND: n},
        "batch_size": BATCH_SIZE,
        "latency": 0,
        "entities": entities,
    }


def emit(result: dict[str, Any]) -> None:
    """Hand a child's result to the parent."""
    sys.stdout.write(RESULT_MARKER + json.dumps(result) + "\n")
    sys.stdout.flush()


def progress(message: str) -> None:
    """One progress line on stderr, with the wall-clock time."""
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def peak_rss_kib() -> int:
    """The process's peak resident set size so far (``ru_maxrss`` is KiB on Linux)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def current_rss_kib() -> int:
    """The process's resident set size now, from ``/proc`` (0 where there is none)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
