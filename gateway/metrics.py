"""The gateway's own Prometheus metrics (what happens at the edge: streams, webhook deliveries).

One registry per gateway process, apart from the core's: ``/metrics`` renders this one followed by the
core's (``Metrics.Scrape`` over gRPC), so the two never count the same thing twice, in one process or two.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ACTIVE_STREAMS", "REGISTRY", "WEBHOOK_DELIVERIES", "count_sse", "open_stream", "render"]

REGISTRY = CollectorRegistry()
ACTIVE_STREAMS = Gauge(
    "portico_active_streams",
    "Open streams by protocol: REST SSE responses, MCP SSE responses on /mcp (tool calls and GET "
    "streams), A2A streaming calls (SendStreamingMessage, SubscribeToTask; any binding).",
    ["protocol"],
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    "portico_webhook_deliveries",
    "Webhook delivery attempts by outcome (delivered, retry, failed: no retry left or refused).",
    ["outcome"],
    registry=REGISTRY,
)


@contextlib.contextmanager
def open_stream(protocol: str) -> Iterator[None]:
    """Count a stream of ``protocol`` as open for the duration of the block."""
    gauge = ACTIVE_STREAMS.labels(protocol=protocol)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


async def count_sse(app: ASGIApp, protocol: str, scope: Scope, receive: Receive, send: Send) -> None:
    """Call ``app``, counting its response as an open stream of ``protocol`` while it is an SSE stream."""
    with contextlib.ExitStack() as opened:

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and any(
                k == b"content-type" and v.startswith(b"text/event-stream") for k, v in message["headers"]
            ):
                opened.enter_context(open_stream(protocol))
            await send(message)

        await app(scope, receive, watch)


def render() -> str:
    return generate_latest(REGISTRY).decode()
