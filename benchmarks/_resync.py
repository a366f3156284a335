"""Child modes that run real resyncs of the ``fake`` integration into a fresh catalog (SQLite
here; ``_postgres`` passes a ``PostgresCatalog`` factory to the same functions).

``resync``: time a full resync (and optionally a no-op second one) of ``n`` items.
``rss``: one full resync, then report the process's peak RSS.
"""

from __future__ import annotations

import cProfile
import importlib
import io
import pstats
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anyio

from benchmarks._common import (
    INTEGRATION_ID,
    KIND,
    current_rss_kib,
    emit,
    fake_config,
    peak_rss_kib,
    progress,
)


def _summary(result: Any, seconds: float) -> dict[str, Any]:
    stats = result.kinds.get(KIND)
    return {
        "seconds": seconds,
        "status": str(getattr(result.status, "value", result.status)),
        "fetched": getattr(stats, "fetched", None),
        "upserted": getattr(stats, "upserted", None),
        "unchanged": getattr(stats, "unchanged", None),
        "errors": result.errors,
        "deleted": result.deleted,
        "delete_skipped_reason": result.delete_skipped_reason,
        "error": result.error,
    }


async def _open(catalog: Any) -> bool:
    """Open the catalog ahead of the timed run when it can be opened explicitly."""
    opener = getattr(catalog, "open", None)
    if opener is None:
        return False
    await opener()
    return True


def sqlite_catalog(db: Path) -> Callable[[], Any]:
    """A factory of the fresh ``SQLiteCatalog`` at ``db`` a resync child writes."""

    def make() -> Any:
        from ocean_core.catalog import SQLiteCatalog

        return SQLiteCatalog(str(db))

    return make


async def _resyncs(
    n: int, make_catalog: Callable[[], Any], *, entities: bool, runs: int
) -> dict[str, Any]:
    from integrations.fake import FakeIntegration
    from ocean_core import Ocean

    catalog = make_catalog()
    label = "entities" if entities else "jq mapping"
    try:
        ocean = Ocean(
            FakeIntegration(fake_config(n, entities=entities)),
            catalog=catalog,
            mapping=None,
            integration_id=INTEGRATION_ID,
        )
        pre_opened = await _open(catalog)
        summaries = []
        for index in range(runs):
            what = "first" if index == 0 else "no-op"
            progress(f"resync {n:,} ({label}), {what} run ...")
            start = time.perf_counter()
            result = await ocean.resync()
            seconds = time.perf_counter() - start
            summaries.append(_summary(result, seconds))
            progress(
                f"resync {n:,} ({label}), {what} run: {seconds:.2f} s, "
                f"{n / seconds:,.0f} entities/s, status {summaries[-1]['status']}, "
                f"upserted {summaries[-1]['upserted']}, unchanged {summaries[-1]['unchanged']}"
            )
    finally:
        await catalog.close()
    return {"n": n, "mode": label, "pre_opened": pre_opened, "runs": summaries}


def _profiled(fn: Any, profile_out: Path | None) -> Any:
    if profile_out is None:
        return anyio.run(fn)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return anyio.run(fn)
    finally:
        profiler.disable()
        profiler.dump_stats(str(profile_out))
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
        text.write("\n--- by internal time ---\n")
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(40)
        profile_out.with_suffix(".txt").write_text(text.getvalue())
        progress(f"profile written to {profile_out} and {profile_out.with_suffix('.txt')}")


def run_resync(
    n: int,
    db: Path | Callable[[], Any],
    *,
    entities: bool,
    noop: bool,
    profile_out: Path | None = None,
) -> None:
    """Child ``resync``: one full resync (plus a no-op one if asked) and its timings, into the
    SQLite file ``db`` or the catalog a factory makes."""
    make = sqlite_catalog(db) if isinstance(db, Path) else db

    async def main() -> dict[str, Any]:
        return await _resyncs(n, make, entities=entities, runs=2 if noop else 1)

    result = _profiled(main, profile_out)
    result["peak_rss_kib"] = peak_rss_kib()
    emit(result)


def run_rss(
    n: int,
    db: Path | Callable[[], Any],
    *,
    entities: bool,
    modules: Sequence[str] = (),
) -> None:
    """Child ``rss``: the peak RSS of a process that ran one full resync of ``n`` items (into
    the SQLite file ``db`` or the catalog a factory makes; ``modules`` are imported before the
    baseline is read too)."""
    # Import everything a resync needs first, so the baseline is the loaded framework.
    for module in ("integrations.fake", "ocean_core", "ocean_core.catalog", *modules):
        importlib.import_module(module)
    make = sqlite_catalog(db) if isinstance(db, Path) else db

    baseline = current_rss_kib()

    async def main() -> dict[str, Any]:
        return await _resyncs(n, make, entities=entities, runs=1)

    result = anyio.run(main)
    result["baseline_rss_kib"] = baseline
    result["peak_rss_kib"] = peak_rss_kib()
    progress(
        f"rss {n:,}: baseline {baseline / 1024:.1f} MiB, "
        f"peak {result['peak_rss_kib'] / 1024:.1f} MiB"
    )
    emit(result)
