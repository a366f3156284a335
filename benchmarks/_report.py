"""The benchmark's report: one markdown table of measures and a verdict per target."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["PASS", "FAIL", "INFO", "ERROR", "SKIP"]


@dataclass(frozen=True)
class Line:
    """One row of the table."""

    item: str
    measure: str
    value: str
    target: str = ""
    verdict: Verdict = "INFO"


@dataclass
class Report:
    """Lines in the order measured, plus notes that do not fit a table cell."""

    n: int
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *lines: Line) -> None:
        self.lines.extend(lines)

    def check(self, item: str, measure: str, value: str, target: str, ok: bool) -> None:
        self.add(Line(item, measure, value, target, "PASS" if ok else "FAIL"))

    def error(self, item: str, measure: str, message: str) -> None:
        self.add(Line(item, measure, message, "", "ERROR"))

    @property
    def failed(self) -> bool:
        return any(line.verdict in ("FAIL", "ERROR") for line in self.lines)

    def markdown(self) -> str:
        out = [
            f"## ocean_core benchmark, N = {self.n:,}",
            "",
            f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {platform.machine()}",
            "",
            "| # | Measure | Value | Target | Result |",
            "|---|---|---|---|---|",
        ]
        # stable: item 1 to 10, in number order
        ordered = sorted(self.lines, key=lambda line: int(line.item) if line.item.isdigit()
                         else 0)
        for line in ordered:
            cells = (line.item, line.measure, line.value, line.target or "-", line.verdict)
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        targets = [line for line in ordered if line.verdict != "INFO"]
        out += ["", "### Targets", ""]
        out += [
            f"- {t.verdict}: {t.item} {t.measure} = {t.value}"
            + (f" ({t.target})" if t.target else "")
            for t in targets
        ]
        if self.notes:
            out += ["", "### Notes", ""]
            out += [f"- {note}" for note in self.notes]
        return "\n".join(out) + "\n"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 100 values is the 99th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def secs(seconds: float, n: int | None = None) -> str:
    rate = f" ({n / seconds:,.0f}/s)" if n and seconds > 0 else ""
    return f"{seconds:.2f} s{rate}"


def mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def write(text: str, out: str | None) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
