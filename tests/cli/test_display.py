"""The per-kind table of ``ocean resync``: request progress for HTTP integrations."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from rich.console import Console

from ocean_core import KindStats, ResyncResult, Trigger
from ocean_core.cli import _display


def _render(table: object) -> list[list[str]]:
    """The header and the rows of a rendered table, as lists of cell texts."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(table)
    rows = []
    for line in console.export_text().splitlines():
        if line.startswith(("│", "┃")):
            rows.append([cell.strip() for cell in re.split("[│┃]", line)[1:-1]])
    return rows


def _run(**kinds: KindStats) -> ResyncResult:
    return ResyncResult(id="r", integration_id="gh", generation=3, trigger=Trigger.CLI,
                        started_at=datetime.now(UTC), kinds=kinds)


def test_http_kinds_show_pages_requests_and_live_requests_in_flight() -> None:
    run = _run(
        repository=KindStats(fetched=300, upserted=300, pages=3, requests=3, finished=True),
        **{"pull-request": KindStats(fetched=120, pages=40, requests=48, in_flight=8,
                                     retries=1, rate_limit_waits=2)},
    )
    live = _render(_display.progress(run, "gh"))
    assert live[0] == ["kind", "fetched", "upserted", "unchanged", "filtered", "pages",
                       "requests", "retries", "errors", "in flight", "waits"]
    assert live[2] == ["pull-request …", "120", "0", "0", "0", "40", "48", "1", "0", "8", "2"]
    summary = _render(_display.kinds_table(run))
    assert summary[0][-1] == "errors" and "in flight" not in summary[0]
    assert summary[1] == ["repository", "300", "300", "0", "0", "3", "3", "0", "0"]


def test_retries_and_waits_only_when_there_were_some() -> None:
    run = _run(repository=KindStats(fetched=3, pages=1, requests=1, in_flight=1))
    assert _render(_display.progress(run, "gh"))[0] == [
        "kind", "fetched", "upserted", "unchanged", "filtered", "pages", "requests", "errors",
        "in flight",
    ]


def test_kinds_without_requests_keep_the_entity_columns_only() -> None:
    table = _render(_display.kinds_table(_run(service=KindStats(fetched=5, pages=1))))
    assert table[0] == ["kind", "fetched", "upserted", "unchanged", "filtered", "errors"]
