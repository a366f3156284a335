"""The documented examples run and print what the docs say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_shop_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "shop.py")],
        capture_output=True, text=True, check=True, timeout=60,
    )
    lines = done.stdout.splitlines()
    assert lines[:3] == [
        "1. succeeded: upserted 3",
        "2. succeeded: upserted 1, unchanged 2",
        "3. succeeded: deleted 1",
    ]
    assert done.stderr == ""
