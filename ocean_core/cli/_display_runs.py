"""Rich rendering of run history (``ocean runs``) and of one run (``ocean runs show``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ocean_core.cli._display import refs, status_text, summary
from ocean_core.entity import Entity
from ocean_core.results import RunRecord

_DIGITS = re.compile(r"(\d+)")


def natural(text: str) -> tuple[tuple[int | str, ...], str]:
    """A sort key that orders the numbers inside text by value: ``service-2`` before
    ``service-10`` (ties, such as ``7`` and ``07``, by the text itself)."""
    parts = _DIGITS.split(text)  # text, digits, text, ...: each place holds one type
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), text


def naturally(entities: Sequence[Entity]) -> list[Entity]:
    """A page of entities by integration, blueprint, then identifier in natural order."""
    return sorted(entities, key=lambda e: (e.integration_id or "", e.blueprint,
                                           natural(e.identifier)))


SHORT_ID = 12
"""Characters of a run id the history shows: ``ocean runs show`` takes any unique prefix."""


def runs_table(runs: Sequence[RunRecord]) -> Table:
    """The history (a run's mode is in ``--json`` and ``ocean runs show``: the table fills 80
    columns already)."""
    table = Table()
    table.add_column("run", no_wrap=True)
    table.add_column("integration")
    table.add_column("gen", justify="right")
    table.add_column("trigger")
    table.add_column("status")
    table.add_column("started (UTC)", no_wrap=True)
    for column in ("took", "errors", "deleted"):
        table.add_column(column, justify="right")
    for run in runs:
        took = "" if run.duration is None else f"{run.duration:.1f}s"
        table.add_row(
            Text(run.id[:SHORT_ID]), Text(run.integration_id), str(run.generation),
            run.trigger.value, status_text(run.status), run.started_at.strftime("%m-%d %H:%M:%S"),
            took,
            str(run.errors), f"{run.deleted:,}",
        )
    return table


def run_detail(run: RunRecord) -> Group:
    """The whole record: its mode, the summary (per-kind counts, each kind's since and cursor,
    errors, deletions), then each error's traceback, the deleted entities it names, and the
    run's own error with its traceback."""
    lines: list[Group | Text] = [
        Text(f"run {run.id} · {run.mode.value} · started {run.started_at:%Y-%m-%d %H:%M:%S} UTC"
             + (f" · ended {run.ended_at:%Y-%m-%d %H:%M:%S} UTC" if run.ended_at else "")),
        summary(run),
    ]
    for name, stats in run.kinds.items():
        for detail in stats.error_details:
            if detail.traceback:
                lines.append(Text(f"  {name} [{detail.stage.value}] traceback:\n"
                                  + _indented(detail.traceback), style="red"))
    if run.deleted_sample:
        lines.append(Text(f"deleted entities: {refs(run.deleted_sample, run.deleted)}"))
    if run.error_traceback:
        lines.append(Text("  run error traceback:\n" + _indented(run.error_traceback),
                          style="red"))
    return Group(*lines)


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())
