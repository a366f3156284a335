"""Prometheus metrics of a service: counters fed by finished runs, gauges read at scrape time.

Each service has its own registry (``OceanService.metrics``), so two services in one process
(tests, embedding) never share or clash over metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ocean_core.http import HTTPIntegration
from ocean_core.results import ResyncResult
from ocean_core.service._runner import IntegrationRunner

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_PROGRESS = ("fetched", "upserted", "unchanged", "errors")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
                    float("inf"))
_DURATION_BUCKETS = (1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600, float("inf"))
_HTTP_COUNTERS = {
    "requests": "HTTP requests sent to the integration's API, retries included.",
    "retries": "HTTP requests sent again after a failure.",
    "rate_limited": "Rate-limit answers (429, or GitHub's 403) received.",
    "rate_limit_waits": "Requests held back by the integration's rate budget (a pause after a"
    " rate-limit answer, a spent quota, the requests_per_second cap).",
    "rate_limit_wait_seconds": "Seconds requests spent held back by the rate budget.",
}


class ServiceMetrics:
    """The service's metrics: ``record`` counts a finished run, ``render`` is the text a
    Prometheus scrape gets (of type ``content_type``). ``runners`` gives the integrations
    whose live state the gauges show."""

    content_type = CONTENT_TYPE

    def __init__(self, runners: Callable[[], Iterable[IntegrationRunner]]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ["integration"]
        self.runs = Counter(
            "ocean_resyncs", "Finished resync runs, by final status.",
            [*labels, "status", "trigger"], registry=self.registry,
        )
        self.entities = Counter(
            "ocean_entities", "Entities handled by finished runs: upserted (new or changed),"
            " unchanged (skipped by content hash) or deleted (stale).",
            [*labels, "outcome"], registry=self.registry,
        )
        self.duration = Histogram(
            "ocean_resync_duration_seconds", "Wall-clock duration of finished runs.",
            [*labels, "status"], buckets=_DURATION_BUCKETS, registry=self.registry,
        )
        self.webhook_events = Counter(
            "ocean_webhook_events", "Webhook events by outcome: received (verified and stored),"
            " rejected (refused by the integration's verification, nothing stored), handled,"
            " retried (a failed attempt tried again) or failed (no attempt left).",
            [*labels, "outcome"], registry=self.registry,
        )
        self.webhook_latency = Histogram(
            "ocean_webhook_latency_seconds", "Seconds from a webhook event's receipt to its"
            " changes in the catalog (handled) or its failure.",
            [*labels, "outcome"], buckets=_LATENCY_BUCKETS, registry=self.registry,
        )
        self.registry.register(_LiveCollector(runners))

    def webhook(self, integration: str, outcome: str, latency: float | None) -> None:
        """Count a webhook event's outcome (``WebhookSetup.on_outcome``)."""
        self.webhook_events.labels(integration, outcome).inc()
        if latency is not None:
            self.webhook_latency.labels(integration, outcome).observe(latency)

    def record(self, run: ResyncResult) -> None:
        integration = run.integration_id
        self.runs.labels(integration, run.status.value, run.trigger.value).inc()
        upserted = sum(k.upserted for k in run.kinds.values())
        unchanged = sum(k.unchanged for k in run.kinds.values())
        for outcome, count in (("upserted", upserted), ("unchanged", unchanged),
                               ("deleted", run.deleted)):
            self.entities.labels(integration, outcome).inc(count)
        if run.duration is not None:
            self.duration.labels(integration, run.status.value).observe(run.duration)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LiveCollector(Collector):
    """What is true right now: each integration's generation, state, schedule and the
    progress of its run in flight."""

    def __init__(self, runners: Callable[[], Iterable[IntegrationRunner]]) -> None:
        self.runners = runners

    def collect(self) -> Iterator[Metric]:
        generation = GaugeMetricFamily(
            "ocean_generation", "Current resync generation.", labels=["integration"])
        running = GaugeMetricFamily(
            "ocean_run_in_flight", "1 while a resync runs, else 0.", labels=["integration"])
        skipped = GaugeMetricFamily(
            "ocean_scheduled_ticks_skipped", "Scheduled ticks skipped because a run was in"
            " flight (kept across restarts).", labels=["integration"])
        due = GaugeMetricFamily(
            "ocean_next_scheduled_resync_timestamp_seconds",
            "When the next scheduled resync is due (Unix time).", labels=["integration"])
        progress = GaugeMetricFamily(
            "ocean_current_run_items", "Progress of the run in flight, per kind.",
            labels=["integration", "kind", "count"])
        for runner in self.runners():
            name = runner.id
            generation.add_metric([name], runner.ocean.generation)
            running.add_metric([name], 1 if runner.ocean.state == "running" else 0)
            ticker = runner.ticker()  # the schedule of full resyncs
            if ticker is not None:
                skipped.add_metric([name], ticker.skipped_ticks)
                due.add_metric([name], ticker.schedule.next_due.timestamp())
            current = runner.ocean.current_run
            if current is not None:
                for kind, stats in current.kinds.items():
                    for count in _PROGRESS:
                        progress.add_metric([name, kind, count], getattr(stats, count))
        yield from (generation, running, skipped, due, progress)
        yield from _http_metrics(self.runners())


def _http_metrics(runners: Iterable[IntegrationRunner]) -> Iterator[Metric]:
    """Each HTTP integration's requests, retries and rate-limit waits (since its instance was
    made: a reconfigured integration starts again from 0, which Prometheus reads as a reset)."""
    counters = {
        field: CounterMetricFamily(f"ocean_http_{field}", doc, labels=["integration"])
        for field, doc in _HTTP_COUNTERS.items()
    }
    in_flight = GaugeMetricFamily(
        "ocean_http_requests_in_flight", "HTTP requests on the wire now.", labels=["integration"])
    for runner in runners:
        integration = runner.ocean.integration
        if not isinstance(integration, HTTPIntegration):
            continue
        stats = integration.request_stats()
        for field, family in counters.items():
            family.add_metric([runner.id], getattr(stats, field))
        in_flight.add_metric([runner.id], stats.in_flight)
    yield from (*counters.values(), in_flight)
