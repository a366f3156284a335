"""Items 8 (github) and 9 (gitlab) of the report: a real source at full speed.

Each runs four children, each with its own fake API in a subprocess: a latency-bound resync,
the same with a quota and two secondary refusals, peak RSS at 100 and 1,000 repositories
(projects), and 20 trials of a trigger during a fan-out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks._report import Line, Report, mib, ms, percentile

WALL_TARGET = 1.3
RSS_GROWTH_TARGET = 1.3
ABORT_P99_TARGET = 0.050
SIZE = 300
LATENCY = 0.040
RSS_SIZES = (100, 1000)
RSS_LATENCY = 0.002
ABORT_TRIALS = 20


@dataclass(frozen=True)
class Limited:
    """The rate-limited run of one vendor: its quota per second and the refused requests."""

    quota: int
    secondary: str


LIMITED = {"github": Limited(100, "150,600"), "gitlab": Limited(40, "100,250")}
ITEM = {"github": "8", "gitlab": "9"}
Child = Callable[..., dict[str, Any]]


def run_phase(shape: str, child: Child, report: Report) -> None:
    item = ITEM[shape]
    plain = child("api-run", SIZE, "--shape", shape, "--latency", str(LATENCY))
    _run_lines(report, item, shape, plain, "latency 40 ms")
    limited = LIMITED[shape]
    quota = child("api-run", SIZE, "--shape", shape, "--latency", str(LATENCY),
                  "--quota", str(limited.quota), "--secondary", limited.secondary)
    _run_lines(report, item, shape, quota, f"latency 40 ms, quota {limited.quota}/s")
    _rate_limit_lines(report, item, quota)
    peaks = {n: child("api-rss", n, "--shape", shape, "--latency", str(RSS_LATENCY))
             for n in RSS_SIZES}
    _rss_lines(report, item, shape, peaks)
    aborts = child("api-abort", SIZE, "--shape", shape, "--trials", str(ABORT_TRIALS))
    _abort_lines(report, item, aborts)


def _run_ok(run: dict[str, Any]) -> str | None:
    if run["status"] != "succeeded":
        return f"status {run['status']}: {'; '.join(run['errors'][:3])}"
    if run["entities"] != run["expected_entities"]:
        return f"{run['entities']} entities, expected {run['expected_entities']}"
    return None


def _run_lines(report: Report, item: str, shape: str, run: dict[str, Any], what: str) -> None:
    bound, server = run["floor"], run["server"]
    label = f"{shape}: resync of {run['n']} ({what}, max_concurrency {run['max_concurrency']})"
    figures = f"{run['seconds']:.2f} s / {bound['floor']:.2f} s / {bound['throughput']:.2f} s"
    report.add(Line(item, f"{label}: wall / floor / floor as if kinds overlapped", figures))
    problem = _run_ok(run)
    if problem:
        report.error(item, f"{label}: run", problem)
    ratio = run["seconds"] / bound["floor"]
    report.check(item, f"{label}: wall / floor", f"{ratio:.2f}", f"<= {WALL_TARGET}",
                 ratio <= WALL_TARGET and problem is None)
    report.add(Line(item, f"{label}: wall / floor as if kinds overlapped",
                    f"{run['seconds'] / bound['throughput']:.2f}"))
    report.check(item, f"{label}: requests answered / least the listings need",
                 f"{server['ok']} / {bound['requests']} (twice: {server['duplicates']})",
                 "<= 1.00, none twice",
                 server["ok"] <= bound["requests"] and server["duplicates"] == 0)
    report.check(item, f"{label}: most requests in flight (server / client)",
                 f"{server['max_in_flight']} / {run['client_max_in_flight']}",
                 f"<= {run['max_concurrency']}",
                 max(server["max_in_flight"], run["client_max_in_flight"])
                 <= run["max_concurrency"])
    per_kind = ", ".join(f"{kind} {stats['requests']}" for kind, stats in run["kinds"].items())
    report.notes.append(
        f"{shape}, {what}: floor = max(kinds in sequence {bound['kinds']:.2f} s, quota windows"
        f" {bound['windows']:.2f} s); requests per kind: {per_kind}"
    )


def _rate_limit_lines(report: Report, item: str, run: dict[str, Any]) -> None:
    refusals = run["server"]["refusals"]
    secondary = sum(1 for r in refusals if r["secondary"])
    primary = len(refusals) - secondary
    report.add(Line(item, "rate-limit answers: secondary (injected) / quota exhausted",
                    f"{secondary} / {primary}"))
    report.check(item, "requests sent after a rate-limit answer, before the time it asked for",
                 str(run["too_early"]), "0", run["too_early"] == 0 and run["refusals_seen"] > 0)


def _rss_lines(report: Report, item: str, shape: str, peaks: dict[int, dict[str, Any]]) -> None:
    for n, run in peaks.items():
        problem = _run_ok(run)
        if problem:
            report.error(item, f"{shape}: resync of {n}: run", problem)
        report.add(Line(item, f"{shape}: peak RSS, resync of {n}"
                              f" (after imports: {mib(run['baseline_rss_kib'])})",
                        mib(run["peak_rss_kib"])))
    small, large = (peaks[n]["peak_rss_kib"] for n in RSS_SIZES)
    growth = large / small
    report.check(item, f"{shape}: peak RSS {RSS_SIZES[1]:,} / {RSS_SIZES[0]:,}",
                 f"{growth:.2f}", f"<= {RSS_GROWTH_TARGET}", growth <= RSS_GROWTH_TARGET)


def _abort_lines(report: Report, item: str, run: dict[str, Any]) -> None:
    unwound, recorded = run["unwound_s"], run["recorded_s"]
    p99 = percentile(unwound, 99)
    report.check(item, f"trigger during a fan-out ({run['held']} requests in flight) to every"
                       f" one closed at the server, p99 of {len(unwound)}",
                 ms(p99), f"<= {ABORT_P99_TARGET * 1000:.0f} ms", p99 <= ABORT_P99_TARGET)
    report.add(Line(item, "  same, p50 / max; trigger to the aborted record, p50 / max",
                    f"{ms(percentile(unwound, 50))} / {ms(max(unwound))};"
                    f" {ms(percentile(recorded, 50))} / {ms(max(recorded))}"))
