"""The core's Prometheus metrics: one registry per ``CoreRuntime``, read by gateways over ``Metrics.Scrape``.

Why an RPC and not a shared registry: the gateway holds no storage and may run in another process (or on
another machine), so the core renders its own registry and the gateway appends it to its ``/metrics``. Each
core answers for what happened in its process: ``portico serve`` is one process, so its ``/metrics`` shows
everything; with separate ``portico worker`` processes the run outcome metrics stay in the workers (see the
README). A registry per runtime (not the global one) keeps two cores in one process apart, and the gateway's
own metrics (streams, webhooks) out of the core's answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CoreMetrics"]

# Seconds: agent runs range from a model call to many minutes.
_RUN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
# Seconds: an idle worker claims a run within milliseconds; a saturated pool makes runs wait for minutes.
_WAIT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)


class CoreMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs_created = Counter(
            "portico_runs_created",
            "Runs created (REST, MCP, A2A, gRPC or a cron).",
            ["assistant_id"],
            registry=r,
        )
        self.runs_finished = Counter(
            "portico_runs_finished",
            "Runs a worker of this process brought to an end, by final status.",
            ["assistant_id", "status"],
            registry=r,
        )
        self.run_duration = Histogram(
            "portico_run_duration_seconds",
            "Time from a worker claiming a run to its end (the last attempt).",
            ["assistant_id", "status"],
            buckets=_RUN_BUCKETS,
            registry=r,
        )
        self.queue_wait = Histogram(
            "portico_queue_wait_seconds",
            "Time from a run becoming claimable (created, or its after_seconds delay over) to a worker of "
            "this process claiming it; first attempts only (a retry's wait is recovery, not queueing).",
            ["assistant_id"],
            buckets=_WAIT_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "portico_queue_depth", "Runs waiting for a worker (pending), read at scrape time.", registry=r
        )
        self.database_up = Gauge(
            "portico_database_up", "1 while the database answers the core's health probe, else 0.", registry=r
        )
        self.database_up.set(1)
        self.cron_firings = Counter("portico_cron_firings", "Cron firings that created a run.", registry=r)
        self.store_operations = Counter(
            "portico_store_operations",
            "Long-term memory (store) operations served.",
            ["operation"],
            registry=r,
        )

    def observe_claim(self, run: dict[str, Any], now: datetime) -> None:
        """Record how long ``run`` (just claimed at ``now``) waited in the queue."""
        if int(run.get("attempt") or 0) != 1 or run.get("available_at") is None:
            return
        waited = max(0.0, (now - run["available_at"]).total_seconds())
        self.queue_wait.labels(assistant_id=run["assistant_id"]).observe(waited)

    def render(self) -> str:
        return generate_latest(self.registry).decode()
