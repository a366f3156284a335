"""Killing a child process at a chosen moment: the crash tests of full runs
(``test_crash_safety``) and of incremental runs (``incremental/test_crash``) share it.

A child prints ``ready``, waits for a line on stdin, then says where it is, one line each
(``batch N``, ...), and ``finished ...`` at its end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Moment:
    """Kill once the child has said ``marker``, ``delay`` seconds later."""

    marker: str
    delay: float


def spawn(module: str, path: Path, iteration: int) -> subprocess.Popen[str]:
    """``python -m module path iteration``, its stdin and stdout piped."""
    return subprocess.Popen(
        [sys.executable, "-m", module, str(path), str(iteration)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def kill_at(child: subprocess.Popen[str], moment: Moment) -> list[str]:
    """Start the child, SIGKILL it at ``moment``; every line it said."""
    assert child.stdin is not None and child.stdout is not None
    said = [child.stdout.readline().strip()]
    assert said == ["ready"], said
    child.stdin.write("go\n")
    child.stdin.flush()
    while True:
        line = child.stdout.readline().strip()
        assert line, f"the child ended before {moment.marker!r}: {said[-3:]}"
        said.append(line)
        if line == moment.marker or line.startswith("finished"):
            break
    time.sleep(moment.delay)  # the kill moment itself, drawn from the RNG: not a wait
    child.send_signal(signal.SIGKILL)
    child.wait()
    said.extend(line.strip() for line in child.stdout.read().splitlines())
    child.stdout.close()
    child.stdin.close()
    return said


def reap(child: subprocess.Popen[str]) -> None:
    """Kill the child if it still runs, and close its pipes."""
    if child.poll() is None:
        child.kill()
    child.wait()
    for stream in (child.stdin, child.stdout):
        if stream is not None:
            stream.close()
