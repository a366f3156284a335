"""Rich rendering of a dry run's report (``ocean resync --dry-run``)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ocean_core._types import RunMode
from ocean_core.cli._display import refs, status_text
from ocean_core.dry_run import DryRunReport, KindPreview

_COLUMNS = ("fetched", "filtered", "created", "changed", "unchanged", "deleted", "errors")


def _kinds(report: DryRunReport) -> Table:
    incremental = report.mode is RunMode.INCREMENTAL
    mode = " · incremental" if incremental else ""
    table = Table(title=f"{report.integration_id}: dry run against generation"
                  f" {report.generation}{mode} · nothing written", title_justify="left")
    columns = [c for c in _COLUMNS if not (incremental and c == "deleted")]  # no sweep
    if any(kind.removed for kind in report.kinds.values()):
        columns.insert(columns.index("errors"), "removed")
    table.add_column("kind")
    for column in columns:
        table.add_column(column, justify="right")
    for name, kind in report.kinds.items():
        if kind.skipped:
            table.add_row(Text(f"{name} (skipped: no cursor)", style="dim"),
                          *("-" for _ in columns))
            continue
        cells = [Text(f"{getattr(kind, column):,}") for column in columns]
        if kind.errors:
            cells[-1].stylize("red")
        table.add_row(Text(name), *cells)
    return table


def _cursor(name: str, kind: KindPreview) -> list[Text]:
    """Rule 9: what the kind's fetcher was given, and the cursor a run would commit."""
    if kind.skipped or (kind.since is None and kind.cursor is None):
        return []
    since = "everything" if kind.since is None else f"since {kind.since}"
    committed = "none" if kind.cursor is None else str(kind.cursor)
    return [Text(f"  {name}: fetched {since}; cursor a run would commit: {committed}")]


def _samples(name: str, kind: KindPreview) -> list[Text]:
    lines: list[Text] = []
    if kind.created_sample:
        lines.append(Text(f"  {name} created: {refs(kind.created_sample, kind.created)}"))
    for change in kind.changed_sample:
        fields = "; ".join(f"{f.path} {f.old or '(none)'} → {f.new or '(none)'}"
                           for f in change.fields)
        more = f"; {change.more_fields} more field(s)" if change.more_fields else ""
        lines.append(Text(f"  {name} changed {change.blueprint}/{change.identifier}:"
                          f" {fields}{more}"))
    if kind.changed > len(kind.changed_sample):
        lines.append(Text(f"  {name}: {kind.changed - len(kind.changed_sample):,} more"
                          " changed"))
    if kind.removed_sample:
        lines.append(Text(f"  {name} removed (reported gone, or no longer selected):"
                          f" {refs(kind.removed_sample, kind.removed)}", style="yellow"))
    if kind.deleted_sample:
        lines.append(Text(f"  {name} deleted by a clean run:"
                          f" {refs(kind.deleted_sample, kind.deleted)}", style="yellow"))
    for detail in kind.error_details:
        item = f"\n    item: {detail.item}" if detail.item else ""
        lines.append(Text(f"  {name} [{detail.stage.value}] {detail.message}{item}", "red"))
    return lines


def report(found: DryRunReport) -> Group:
    """The per-kind table, samples of what would change, the guards' verdicts, and what a
    real run would do now."""
    lines: list[Table | Text] = [_kinds(found)]
    for name, kind in found.kinds.items():
        lines += _cursor(name, kind) + _samples(name, kind)
    for verdict in found.guards:
        mark = ("ok", "green") if verdict.passed else ("fires", "red")
        lines.append(Text.assemble(f"guard {verdict.guard.replace('_', ' ')}: ", mark,
                                   f" ({verdict.detail})"))
    if found.mode is RunMode.INCREMENTAL:
        lines.append(Text("plan: an incremental run never sweeps; it deletes only what its"
                          " kinds remove"))
    else:
        lines.append(Text(f"plan: a clean run would delete {found.stale:,} entities"))
    outcome = Text.assemble("a real run now: ", status_text(found.outcome))
    if found.delete_skipped_reason:
        outcome.append(f", delete phase skipped: {found.delete_skipped_reason}", "yellow")
    else:
        outcome.append(f", deleting {found.would_delete:,}")
    lines.append(outcome)
    if found.error:
        lines.append(Text(f"  error: {found.error}", style="red"))
    return Group(*lines)
