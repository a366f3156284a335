"""Benchmark the resync engine against the targets of the design (``make bench``).

    python -m benchmarks.bench             # N = 1,000,000 (about 2 minutes on 2 cores)
    python -m benchmarks.bench --small     # N = 100,000, a quick check
    python -m benchmarks.bench --out FILE  # also write the markdown report to FILE

Every measurement runs in a fresh subprocess (``--child MODE``), so no phase inherits another's
heap, caches or open files; this process only orchestrates and prints the report:

1. full resync of N entities (fetcher yields ``Entity``) vs a floor: the same rows written by one
   ``executemany`` upsert in one transaction into the catalog's own table (ratio <= 2.0);
2. the same resync through the fake type's default mapping (fast path) vs the floor (<= 3.0);
3. a no-op second resync vs the first (<= 0.5);
4. peak RSS of a resync of N (<= 200 MiB) and of N vs N/10 (<= 1.3x), each in its own process;
5. abort latency from ``ocean.trigger()`` to the blocked fetcher of the old run unwound
   (p99 of 100 trials <= 50 ms);
6. mapping throughput of a typical mapping: the fast path vs the ``jq`` library per item and
   field (>= 5x), over ``MAPPING_ITEMS`` items;
7. PostgreSQL (``--only pg``; in the default run when the server at ``OCEAN_BENCH_POSTGRES_URL``,
   default ``postgresql://postgres@127.0.0.1:5432/test``, answers, else skipped with the reason):
   a full resync of N entities into ``PostgresCatalog`` vs a floor of the same rows written by
   ONE ``COPY`` into the catalog's own table (<= 2.5), a no-op second resync vs the first
   (<= 0.5), and peak RSS of the resync process at N and N/10 (as 4). Each part writes a fresh
   schema; every schema is dropped afterwards;
8. and 9. (``--only github,gitlab``) the bundled github and gitlab integrations against a fake
   API of their vendor's shape on 127.0.0.1 (its own subprocess): an organization of 300
   repositories (projects) at 40 ms a request, wall <= 1.3x the floor computed from what the
   run had to ask for, no listing twice, never more than max_concurrency in flight; the same
   with a quota and two secondary refusals (no request before the time a refusal asked for);
   peak RSS at 1,000 vs 100 repositories (<= 1.3x); a trigger during a fan-out closes every
   request in flight (p99 of 20 <= 50 ms). See ``benchmarks/_api_phase.py``;
10. (``--only incremental``) rule 9: 100,000 entities, 1% changed since the last run, an
   incremental run against a full run of the same source in one process: fetched items
   <= 2% and wall time <= 5% of the full run's. See ``benchmarks/_incremental.py``;
11. (``--only live``) rule 8: signed webhooks at 200 a second for 30 s into a real
   ``ocean sail`` on loopback (its ``webhooks.port``) while full resyncs of 100,000 entities
   of the same integration run, interleaved with the same resyncs without events:
   webhook-to-catalog p99 <= 250 ms, no event lost, the resyncs' median time within 10% of
   the median without. See ``benchmarks/_live.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks._common import RESULT_MARKER, progress
from benchmarks._report import Line, Report, mib, ms, percentile, secs, write

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("abort", "floor", "entities", "rss", "mapping", "jq", "incremental", "pg", "github",
          "gitlab", "live")
"""In the order run: the cheap ones first, the mapped resync, PostgreSQL, then the real
sources (each about 40 s, most of it the latency and quota the fake APIs impose)."""
ITEMS = {
    "floor": "1", "entities": "1, 3", "jq": "2", "rss": "4", "abort": "5", "mapping": "6",
    "pg": "7", "github": "8", "gitlab": "9", "incremental": "10", "live": "11",
}
CHILD_TIMEOUT_BASE = 120.0
CHILD_TIMEOUT_PER_MILLION = 300.0
"""A child gets base + per-million * N seconds, then it is killed and its phase is an error."""

RATIO_TARGET = 2.0
MAPPED_RATIO_TARGET = 3.0
NOOP_TARGET = 0.5
RSS_TARGET_MIB = 200.0
RSS_GROWTH_TARGET = 1.3
ABORT_P99_TARGET = 0.050
MAPPING_SPEEDUP_TARGET = 5.0
MAPPING_ITEMS = 20_000
PG_RATIO_TARGET = 2.5


class ChildFailed(RuntimeError):
    """A benchmark subprocess exited badly or printed no result."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="entities per resync")
    parser.add_argument("--small", action="store_true", help="N = 100,000 for a quick check")
    parser.add_argument("--out", help="also write the markdown report to this file")
    parser.add_argument("--trials", type=int, default=100, help="abort-latency trials")
    parser.add_argument("--only", help=f"comma-separated phases out of {','.join(PHASES)}")
    parser.add_argument(
        "--budget",
        type=float,
        default=570.0,
        help="seconds for the whole benchmark; a child still running then is killed",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="cProfile the resync children into DIR (event-loop thread only)",
    )
    child = parser.add_argument_group("subprocess modes (used by the benchmark itself)")
    child.add_argument(
        "--child",
        choices=("floor", "resync", "rss", "abort", "mapping", "pg-floor", "pg-resync", "pg-rss",
                 "api-run", "api-rss", "api-abort", "incremental", "live"),
    )
    child.add_argument("--shape", choices=("github", "gitlab"), help="the fake API of api-*")
    child.add_argument("--latency", type=float, default=0.0, help="seconds per API request")
    child.add_argument("--quota", type=int, help="API requests per --window seconds")
    child.add_argument("--window", type=float, default=1.0)
    child.add_argument("--secondary", default="", help="numbers of requests refused, e.g. 9,90")
    child.add_argument("--db", help="the SQLite file a child writes")
    child.add_argument("--schema", help="the PostgreSQL schema a pg-* child writes")
    child.add_argument("--mode", choices=("entities", "jq"), default="entities")
    child.add_argument("--noop", action="store_true", help="also time a no-op second resync")
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(PHASES) if args.only else set()
    if unknown:
        parser.error(f"--only: unknown phase(s) {', '.join(sorted(unknown))}")
    if args.small:
        args.n = 100_000
    return args


def run_child(args: argparse.Namespace) -> int:
    """Run one ``--child`` mode in this process (in a temporary directory unless ``--db``)."""
    if args.child.startswith("pg-"):
        _pg_child_mode(args)
        return 0
    if args.child.startswith("api-"):
        _api_child_mode(args)
        return 0
    if args.db:
        _child_mode(args, Path(args.db))
        return 0
    with tempfile.TemporaryDirectory(prefix="ocean-bench-") as tmp:
        _child_mode(args, Path(tmp) / f"{args.child}.db")
    return 0


def _child_mode(args: argparse.Namespace, db: Path) -> None:
    from benchmarks import _abort, _floor, _incremental, _live, _mapping, _resync

    entities = args.mode == "entities"
    if args.child == "incremental":
        _incremental.run_incremental(args.n, db.parent)
    elif args.child == "live":
        _live.run_live(args.n, db.parent)
    elif args.child == "floor":
        _floor.run_floor(args.n, db)
    elif args.child == "resync":
        profile = None
        if args.profile:
            profile = Path(args.profile).resolve() / f"resync-{args.mode}-{args.n}.prof"
        _resync.run_resync(args.n, db, entities=entities, noop=args.noop, profile_out=profile)
    elif args.child == "rss":
        _resync.run_rss(args.n, db, entities=entities)
    elif args.child == "mapping":
        _mapping.run_mapping(args.n)
    else:
        _abort.run_abort(db, args.trials)


def _api_child_mode(args: argparse.Namespace) -> None:
    from benchmarks import _api_bench

    if args.child == "api-run":
        _api_bench.run_api(args.shape, args.n, args.latency, args.quota, args.window,
                           args.secondary)
    elif args.child == "api-rss":
        _api_bench.run_api_rss(args.shape, args.n, args.latency)
    else:
        _api_bench.run_api_abort(args.shape, args.n, args.trials)


def _pg_child_mode(args: argparse.Namespace) -> None:
    from benchmarks import _postgres

    if not args.schema:
        raise SystemExit(f"--child {args.child} needs --schema")
    url = _postgres.url()
    if args.child == "pg-floor":
        _postgres.run_floor(args.n, url, args.schema)
    elif args.child == "pg-resync":
        profile = None
        if args.profile:
            profile = Path(args.profile).resolve() / f"resync-pg-{args.n}.prof"
        _postgres.run_resync(args.n, url, args.schema, noop=args.noop, profile=profile)
    else:
        _postgres.run_rss(args.n, url, args.schema)


def child(mode: str, n: int, *options: str, timeout: float) -> dict[str, Any]:
    """Run ``--child MODE --n N`` in a fresh interpreter; its progress goes straight to stderr."""
    command = [sys.executable, "-m", "benchmarks.bench", "--child", mode, "--n", str(n), *options]
    try:
        done = subprocess.run(
            command, cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ChildFailed(f"--child {mode} --n {n:,} killed after {timeout:.0f} s") from exc
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            result: dict[str, Any] = json.loads(line[len(RESULT_MARKER) :])
            return result
    raise ChildFailed(f"--child {mode} exited {done.returncode} without a result")


def _run_ok(run: dict[str, Any], n: int, *, noop: bool) -> str | None:
    """Why a resync's record is not the clean run the measure assumes, or None."""
    if run["status"] != "succeeded":
        return f"status {run['status']} ({run.get('error') or run.get('delete_skipped_reason')})"
    want = (0, n) if noop else (n, 0)
    if (run["upserted"], run["unchanged"]) != want:
        return f"upserted {run['upserted']}, unchanged {run['unchanged']}, expected {want}"
    return None


def _cpu_seconds() -> tuple[float, float]:
    """(CPU seconds the whole machine has been busy, CPU seconds this process and its
    finished children used); (0, 0) where ``/proc/stat`` is missing."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
    ours = sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )
    return busy, ours


def _machine_note(before: tuple[float, float], after: tuple[float, float], wall: float) -> str:
    """How much of the machine other processes used during the run: it skews every ratio."""
    others = max(0.0, (after[0] - before[0]) - (after[1] - before[1]))
    share = others / (wall * (os.cpu_count() or 1)) if wall > 0 else 0.0
    note = f"other processes used {others:.0f} CPU-s ({share:.0%} of the machine) during the run"
    return note + ("; the machine was busy: rerun when it is idle" if share > 0.1 else "")


class Bench:
    """Runs the phases in order and fills the report."""

    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.n: int = args.n
        self.tmp = tmp
        self.report = Report(self.n)
        self.phases = set(args.only.split(",")) if args.only else set(PHASES)
        self.floor: float | None = None
        self.deadline = time.perf_counter() + args.budget
        self.profile: list[str] = []
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            self.profile = ["--profile", str(Path(args.profile).resolve())]

    def run(self) -> Report:
        started = time.perf_counter()
        self.deadline = started + self.args.budget
        cpu_before = _cpu_seconds()
        for phase in PHASES:
            if phase not in self.phases:
                continue
            if phase == "pg" and not self.pg_reachable():
                continue
            try:
                getattr(self, f"phase_{phase}")()
            except Exception as exc:  # a failed phase is reported; the others still run
                progress(f"phase {phase} failed: {exc!r}")
                self.report.error(ITEMS[phase], f"phase {phase}", f"{type(exc).__name__}: {exc}")
        wall = time.perf_counter() - started
        self.report.notes.append(f"whole benchmark: {wall:.0f} s")
        self.report.notes.append(_machine_note(cpu_before, _cpu_seconds(), wall))
        if self.profile:
            self.report.notes.append("resyncs ran under cProfile: their timings are inflated")
        return self.report

    def pg_reachable(self) -> bool:
        """Whether the PostgreSQL phase can run; if not, say why (an error when it was asked
        for by ``--only``, a skip in the default run)."""
        from benchmarks import _postgres

        reason = _postgres.unreachable(_postgres.url())
        if reason is None:
            return True
        why = f"{reason}; set {_postgres.URL_VARIABLE} to run it"
        progress(f"phase pg skipped: {why}")
        if self.args.only:
            self.report.error("7", "PostgreSQL phase", f"not run: {why}")
        else:
            self.report.add(Line("7", "PostgreSQL phase", f"skipped: {why}", "", "SKIP"))
        return False

    def child(self, mode: str, n: int, *options: str) -> dict[str, Any]:
        """A child, killed when it outlives its share or the whole benchmark's budget."""
        left = self.deadline - time.perf_counter()
        if left < 1:
            raise ChildFailed(f"not run: the budget of {self.args.budget:.0f} s is spent")
        share = CHILD_TIMEOUT_BASE + CHILD_TIMEOUT_PER_MILLION * n / 1_000_000
        return child(mode, n, *options, timeout=min(share, left))

    def db(self, name: str) -> str:
        return str(self.tmp / f"{name}.db")

    def remove_db(self, name: str) -> None:
        """Free the disk a phase used: the database, its WAL and the catalog's lock files."""
        for path in self.tmp.glob(f"{name}.db*"):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    def phase_floor(self) -> None:
        progress(f"phase floor: executemany upsert of {self.n:,} rows")
        result = self.child("floor", self.n, "--db", self.db("floor"))
        self.floor = float(result["seconds"])
        best_of = len(result["all_seconds"])
        what = f"floor: one executemany upsert in one transaction (best of {best_of})"
        self.report.add(Line("1", f"{what}, N={self.n:,}", secs(self.floor, self.n)))
        self.report.notes.append(f"floor: {result['describe']}")

    def phase_entities(self) -> None:
        progress(f"phase entities: resync of {self.n:,} Entity objects, then a no-op resync")
        result = self.child(
            "resync",
            self.n,
            "--mode",
            "entities",
            "--noop",
            "--db",
            self.db("entities"),
            *self.profile,
        )
        first, second = result["runs"]
        self._resync_lines("1", "full resync (fetcher yields Entity)", first, RATIO_TARGET)
        self._compare_with_floor()
        problem = _run_ok(second, self.n, noop=True)
        self.report.add(Line("3", "no-op second resync", secs(second["seconds"], self.n)))
        ratio = second["seconds"] / first["seconds"]
        if problem:
            self.report.error("3", "no-op resync / first resync", f"{ratio:.2f}; {problem}")
        else:
            self.report.check(
                "3",
                "no-op resync / first resync",
                f"{ratio:.2f}",
                f"<= {NOOP_TARGET}",
                ratio <= NOOP_TARGET,
            )
        if result.get("pre_opened"):
            self.report.notes.append("the catalog was opened before the timed resyncs")

    def phase_jq(self) -> None:
        progress(f"phase jq: resync of {self.n:,} raw items through the default jq mapping")
        result = self.child("resync", self.n, "--mode", "jq", "--db", self.db("jq"), *self.profile)
        self._resync_lines(
            "2", "full resync (raw dicts, default mapping)", result["runs"][0], MAPPED_RATIO_TARGET
        )
        self.remove_db("jq")

    def _resync_lines(
        self, item: str, what: str, run: dict[str, Any], target: float | None
    ) -> None:
        self.report.add(Line(item, f"{what}, N={self.n:,}", secs(run["seconds"], self.n)))
        problem = _run_ok(run, self.n, noop=False)
        if problem:
            self.report.error(item, f"{what}: run record", problem)
        if self.floor is None:
            self.report.error(item, "resync / floor", "no floor measured")
            return
        ratio = run["seconds"] / self.floor
        if target is None or problem:
            self.report.add(Line(item, "resync / floor", f"{ratio:.2f}", "reported"))
        else:
            self.report.check(
                item, "resync / floor", f"{ratio:.2f}", f"<= {target}", ratio <= target
            )

    def _compare_with_floor(self) -> None:
        from benchmarks._floor import compare

        floor_db, catalog_db = Path(self.db("floor")), Path(self.db("entities"))
        if self.floor is not None and floor_db.exists() and catalog_db.exists():
            self.report.notes.append(compare(floor_db, catalog_db))
        self.remove_db("floor")
        self.remove_db("entities")

    def phase_rss(self) -> None:
        small_n = max(1, self.n // 10)
        peaks: dict[int, int] = {}
        for n in (small_n, self.n):  # each in its own fresh process
            progress(f"phase rss: peak RSS of a resync of {n:,}")
            result = self.child("rss", n, "--db", self.db(f"rss-{n}"))
            self.remove_db(f"rss-{n}")
            peaks[n] = int(result["peak_rss_kib"])
            problem = _run_ok(result["runs"][0], n, noop=False)
            if problem:
                self.report.error("4", f"resync of {n:,}: run record", problem)
            self.report.add(
                Line(
                    "4",
                    f"peak RSS, resync of {n:,} (after imports: {mib(result['baseline_rss_kib'])})",
                    mib(peaks[n]),
                )
            )
        peak = peaks[self.n] / 1024
        self.report.check(
            "4",
            f"peak RSS at N={self.n:,}",
            f"{peak:.1f} MiB",
            f"<= {RSS_TARGET_MIB:.0f} MiB",
            peak <= RSS_TARGET_MIB,
        )
        growth = peaks[self.n] / peaks[small_n]
        self.report.check(
            "4",
            f"peak RSS N={self.n:,} / N={small_n:,}",
            f"{growth:.2f}",
            f"<= {RSS_GROWTH_TARGET}",
            growth <= RSS_GROWTH_TARGET,
        )

    def phase_pg(self) -> None:
        from benchmarks import _postgres

        url = _postgres.url()
        self.report.notes.append(
            f"PostgreSQL {_postgres.server_version(url)} at {_postgres.where(url)}"
        )
        schemas: list[str] = []

        def schema(label: str) -> str:
            schemas.append(_postgres.new_schema(label))
            return schemas[-1]

        try:
            self._pg_ratios(_postgres, schema("floor"), schema("resync"))
            self._pg_rss(schema)
        finally:
            _postgres.drop_schemas(url, schemas)
            progress(f"phase pg: dropped schemas {', '.join(schemas)}")

    def _pg_ratios(self, pg: Any, floor_schema: str, resync_schema: str) -> None:
        progress(f"phase pg: one COPY of {self.n:,} rows (floor), best of {pg.FLOOR_REPEATS}")
        result = self.child("pg-floor", self.n, "--schema", floor_schema)
        floor = float(result["seconds"])
        best_of = len(result["all_seconds"])
        what = f"PostgreSQL floor: one COPY in one transaction (best of {best_of})"
        self.report.add(Line("7", f"{what}, N={self.n:,}", secs(floor, self.n)))
        self.report.notes.append(f"PostgreSQL floor: {result['describe']}")
        progress(f"phase pg: resync of {self.n:,} Entity objects into PostgresCatalog, then no-op")
        result = self.child(
            "pg-resync", self.n, "--noop", "--schema", resync_schema, *self.profile
        )
        first, second = result["runs"]
        what = "PostgreSQL full resync (fetcher yields Entity)"
        self.report.add(Line("7", f"{what}, N={self.n:,}", secs(first["seconds"], self.n)))
        ratio = first["seconds"] / floor
        problem = _run_ok(first, self.n, noop=False)
        if problem:
            self.report.error("7", f"{what}: run record", problem)
            self.report.add(Line("7", "PostgreSQL resync / floor", f"{ratio:.2f}", "reported"))
        else:
            self.report.check(
                "7",
                "PostgreSQL resync / floor",
                f"{ratio:.2f}",
                f"<= {PG_RATIO_TARGET}",
                ratio <= PG_RATIO_TARGET,
            )
        self.report.notes.append(pg.compare(pg.url(), floor_schema, resync_schema))
        self.report.add(
            Line("7", "PostgreSQL no-op second resync", secs(second["seconds"], self.n))
        )
        noop = second["seconds"] / first["seconds"]
        problem = _run_ok(second, self.n, noop=True)
        if problem:
            self.report.error(
                "7", "PostgreSQL no-op resync / first resync", f"{noop:.2f}; {problem}"
            )
        else:
            self.report.check(
                "7",
                "PostgreSQL no-op resync / first resync",
                f"{noop:.2f}",
                f"<= {NOOP_TARGET}",
                noop <= NOOP_TARGET,
            )

    def _pg_rss(self, schema: Any) -> None:
        small_n = max(1, self.n // 10)
        peaks: dict[int, int] = {}
        for n in (small_n, self.n):  # each in its own fresh process and schema
            progress(f"phase pg: peak RSS of a resync of {n:,} into PostgresCatalog")
            result = self.child("pg-rss", n, "--schema", schema(f"rss{n}"))
            peaks[n] = int(result["peak_rss_kib"])
            problem = _run_ok(result["runs"][0], n, noop=False)
            if problem:
                self.report.error("7", f"PostgreSQL resync of {n:,}: run record", problem)
            self.report.add(
                Line(
                    "7",
                    f"PostgreSQL peak RSS, resync of {n:,}"
                    f" (after imports: {mib(result['baseline_rss_kib'])})",
                    mib(peaks[n]),
                )
            )
        peak = peaks[self.n] / 1024
        self.report.check(
            "7",
            f"PostgreSQL peak RSS at N={self.n:,}",
            f"{peak:.1f} MiB",
            f"<= {RSS_TARGET_MIB:.0f} MiB",
            peak <= RSS_TARGET_MIB,
        )
        growth = peaks[self.n] / peaks[small_n]
        self.report.check(
            "7",
            f"PostgreSQL peak RSS N={self.n:,} / N={small_n:,}",
            f"{growth:.2f}",
            f"<= {RSS_GROWTH_TARGET}",
            growth <= RSS_GROWTH_TARGET,
        )

    def phase_github(self) -> None:
        from benchmarks._api_phase import run_phase

        progress("phase github: the github integration against a GitHub-shaped fake API")
        run_phase("github", self.child, self.report)

    def phase_gitlab(self) -> None:
        from benchmarks._api_phase import run_phase

        progress("phase gitlab: the gitlab integration against a GitLab-shaped fake API")
        run_phase("gitlab", self.child, self.report)

    def phase_incremental(self) -> None:
        from benchmarks import _incremental

        progress(f"phase incremental: {_incremental.N:,} entities, 1% changed: an incremental"
                 " run against a full run")
        _incremental.run_phase(self.child, self.report)

    def phase_live(self) -> None:
        from benchmarks import _live

        progress(f"phase live: {_live.RATE} webhooks/s for {_live.SECONDS:g} s during resyncs"
                 f" of {_live.N:,}, against the same resyncs without")
        _live.run_phase(self.child, self.report)

    def phase_mapping(self) -> None:
        progress(f"phase mapping: {MAPPING_ITEMS:,} items, jq library vs fast path")
        result = self.child("mapping", MAPPING_ITEMS)
        per_item = f"{result['fields']} expressions per item"
        for key, what in (("jq_items_s", "jq library per item"), ("fast_items_s", "fast path")):
            self.report.add(
                Line("6", f"mapping, {what} ({per_item})", f"{result[key]:,.0f} items/s")
            )
        speedup = result["fast_items_s"] / result["jq_items_s"]
        self.report.check(
            "6",
            "mapping: fast path / jq library",
            f"{speedup:.1f}x",
            f">= {MAPPING_SPEEDUP_TARGET:.0f}x",
            speedup >= MAPPING_SPEEDUP_TARGET,
        )

    def phase_abort(self) -> None:
        progress(f"phase abort: {self.args.trials} trials")
        result = self.child("abort", 0, "--trials", str(self.args.trials), "--db", self.db("abort"))
        unwound = result["unwound_s"]
        self.report.check(
            "5",
            f"abort: trigger() to blocked fetcher unwound, p99 of {len(unwound)}",
            ms(percentile(unwound, 99)),
            f"<= {ABORT_P99_TARGET * 1000:.0f} ms",
            percentile(unwound, 99) <= ABORT_P99_TARGET,
        )
        for key, what in (
            ("unwound_s", "trigger() to fetcher unwound"),
            ("recorded_s", "trigger() to runs() shows aborted (polled)"),
            ("record_ended_at_s", "trigger() to the record's ended_at"),
            ("trigger_call_s", "the trigger() call itself"),
        ):
            values = result[key]
            self.report.add(
                Line(
                    "5",
                    f"abort: {what}, p50 / p99 / max",
                    f"{ms(percentile(values, 50))} / {ms(percentile(values, 99))}"
                    f" / {ms(max(values, default=float('nan')))}",
                )
            )
        for mode, what in (("entities", "Entity"), ("jq", "jq mapping")):
            values = result[f"busy_{mode}_s"]
            self.report.add(
                Line(
                    "5",
                    f"abort while busy ingesting ({what}, {len(values)} trials): trigger() to the"
                    " record's ended_at, p50 / p99 / max",
                    f"{ms(percentile(values, 50))} / {ms(percentile(values, 99))}"
                    f" / {ms(max(values, default=float('nan')))}",
                )
            )
        if result["fetcher_not_cancelled"]:
            self.report.error(
                "5",
                "abort: fetcher left without cancellation",
                f"{result['fetcher_not_cancelled']} trials",
            )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return run_child(args)
    with tempfile.TemporaryDirectory(prefix="ocean-bench-") as tmp:
        report = Bench(args, Path(tmp)).run()
    write(report.markdown(), args.out)
    return 1 if args.check and report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
