"""Rich rendering for the CLI: live per-kind progress and summary tables."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ocean_core._types import ResyncStatus
from ocean_core.entity import Entity
from ocean_core.results import EntityRef, ResyncResult

_STATUS_STYLE = {
    ResyncStatus.SUCCEEDED: "green",
    ResyncStatus.FAILED: "red",
    ResyncStatus.ABORTED: "yellow",
    ResyncStatus.INTERRUPTED: "yellow",
    ResyncStatus.RUNNING: "cyan",
}


def status_text(status: ResyncStatus) -> Text:
    return Text(status.value, style=_STATUS_STYLE[status])


_COUNTS = ("fetched", "upserted", "unchanged", "filtered")
_HEADERS = {"in_flight": "in flight", "rate_limit_waits": "waits"}


def kinds_table(run: ResyncResult, title: str | None = None, *, live: bool = False) -> Table:
    """One row per kind. With requests (HTTP integrations), what makes sense of progress under
    concurrency: pages done and requests (and retries, if any); while the run is live, the
    requests in flight (and the rate-limit waits, if any)."""
    kinds = run.kinds.values()
    columns = list(_COUNTS) + (["deleted"] if any(stats.deleted for stats in kinds) else [])
    trailing: list[str] = []
    if any(stats.requests for stats in kinds):
        columns += ["pages", "requests", *(["retries"] if any(s.retries for s in kinds) else [])]
        if live:
            trailing = ["in_flight", *(["rate_limit_waits"]
                                       if any(s.rate_limit_waits for s in kinds) else [])]
    table = Table(title=title, title_justify="left")
    table.add_column("kind")
    for column in (*columns, "errors", *trailing):
        table.add_column(_HEADERS.get(column, column), justify="right")
    for name, stats in run.kinds.items():
        errors = Text(str(stats.errors), style="red" if stats.errors else "")
        table.add_row(
            Text(name + ("" if stats.finished else " …")),
            *(f"{getattr(stats, column):,}" for column in columns), errors,
            *(f"{getattr(stats, column):,}" for column in trailing),
        )
    return table


def progress(run: ResyncResult | None, label: str) -> Table | Text:
    if run is None:
        return Text(f"{label}: starting…")
    return kinds_table(run, title=f"{label}: generation {run.generation}, running", live=True)


def summary(run: ResyncResult) -> Group:
    head = Text.assemble(
        (f"{run.integration_id}", "bold"), ": ", status_text(run.status),
        f" · generation {run.generation} · trigger {run.trigger.value}",
        f" · {run.mode.value}",
        f" · {run.duration or 0:.2f}s",
    )
    lines: list[Table | Text] = [head, kinds_table(run), *_cursor_lines(run)]
    deleted = Text(f"deleted: {run.deleted:,}")
    if run.deleted_sample:
        deleted.append(f" ({refs(run.deleted_sample, run.deleted)})")
    if run.delete_skipped_reason:
        deleted.append(f" (delete phase skipped: {run.delete_skipped_reason})", style="yellow")
    lines.append(deleted)
    for name, stats in run.kinds.items():
        for detail in stats.error_details:
            item = f"\n    item: {detail.item}" if detail.item else ""
            lines.append(Text(f"  {name} [{detail.stage.value}] {detail.message}{item}", "red"))
    if run.error:
        lines.append(Text(f"  error: {run.error}", style="red"))
    return Group(*lines)


def _cursor_lines(run: ResyncResult) -> list[Text]:
    """Rule 9, per kind with a cursor (or skipped): what it fetched since, what it committed."""
    lines = []
    for name, stats in run.kinds.items():
        if stats.skipped:
            lines.append(Text(f"  {name}: skipped (no cursor)", style="dim"))
        elif stats.since is not None or stats.cursor is not None:
            since = "everything" if stats.since is None else f"since {stats.since}"
            committed = "none" if stats.cursor is None else str(stats.cursor)
            lines.append(Text(f"  {name}: fetched {since}; cursor committed: {committed}"))
    return lines


def refs(sample: Sequence[EntityRef], count: int) -> str:
    """``service/service-10, service/service-11 and 3 more``: a sample of keys, and the rest."""
    shown = ", ".join(f"{ref.blueprint}/{ref.identifier}" for ref in sample)
    more = count - len(sample)
    return f"{shown} and {more:,} more" if more > 0 else shown


def entities_table(entities: Sequence[Entity]) -> Table:
    table = Table()
    for column in ("integration", "kind", "blueprint", "identifier", "title"):
        table.add_column(column)
    for e in entities:
        values = (e.integration_id, e.kind, e.blueprint, e.identifier, e.title)
        table.add_row(*(Text(value or "") for value in values))
    return table


def status_table(rows: Sequence[tuple[str, int, ResyncResult | None]]) -> Table:
    table = Table()
    # An id is what `--integration` takes: never shorten it to fit the dates.
    table.add_column("integration", min_width=max((len(row[0]) for row in rows), default=0))
    table.add_column("gen", justify="right")
    table.add_column("last run")
    table.add_column("started (UTC)", no_wrap=True)
    for column in ("took", "errors", "deleted"):
        table.add_column(column, justify="right")
    for integration_id, generation, run in rows:
        if run is None:
            table.add_row(Text(integration_id), str(generation), "never", "", "", "", "")
            continue
        took = "" if run.duration is None else f"{run.duration:.1f}s"
        table.add_row(
            Text(integration_id), str(generation), status_text(run.status),
            run.started_at.strftime("%m-%d %H:%M:%S"), took, str(run.errors),
            f"{run.deleted:,}",
        )
    return table
