"""The gateway's own Prometheus metrics (what happens at the edge: streams, webhook deliveries).

One registry per gateway process, apart from the core's: ``/metrics`` renders this one followed by the
core's (``Metrics.Scrape`` over gRPC), so the two never count the same thing twice, in one process or two.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

__all__ = ["ACTIVE_STREAMS", "REGISTRY", "WEBHOOK_DELIVERIES", "render"]

REGISTRY = CollectorRegistry()
ACTIVE_STREAMS = Gauge(
    "portico_active_streams", "Open SSE streams of the REST gateway.", ["protocol"], registry=REGISTRY
)
WEBHOOK_DELIVERIES = Counter(
    "portico_webhook_deliveries",
    "Webhook delivery attempts by outcome (delivered, retry, failed: no retry left or refused).",
    ["outcome"],
    registry=REGISTRY,
)


def render() -> str:
    return generate_latest(REGISTRY).decode()
