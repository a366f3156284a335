"""Rich rendering of a dry run's report (``ocean resync --dry-run``)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ocean_core.cli._display import refs, status_text
from ocean_core.dry_run import DryRunReport, KindPreview

_COLUMNS = ("fetched", "filtered", "created", "changed", "unchanged", "deleted", "errors")


def _kinds(report: DryRunReport) -> Table:
    table = Table(title=f"{report.integration_id}: dry run against generation"
                  f" {report.generation} · nothing written", title_justify="left")
    table.add_column("kind")
    for column in _COLUMNS:
        table.add_column(column, justify="right")
    for name, kind in report.kinds.items():
        cells = [Text(f"{getattr(kind, column):,}") for column in _COLUMNS]
        if kind.errors:
            cells[-1].stylize("red")
        table.add_row(Text(name), *cells)
    return table


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
        lines += _samples(name, kind)
    for verdict in found.guards:
        mark = ("ok", "green") if verdict.passed else ("fires", "red")
        lines.append(Text.assemble(f"guard {verdict.guard.replace('_', ' ')}: ", mark,
                                   f" ({verdict.detail})"))
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
