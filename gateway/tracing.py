"""A server span per HTTP request that continues the caller's ``traceparent`` (REST, MCP and A2A alike).

The core client copies the current trace context into gRPC metadata, so the core's spans (and the run's)
join the caller's trace. With no OpenTelemetry SDK configured the span records nothing, yet the caller's
context still passes through.
"""

from __future__ import annotations

from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["TraceMiddleware"]

_tracer = trace.get_tracer("portico.gateway")


class TraceMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope["headers"]
            if k in (b"traceparent", b"tracestate")
        }
        method = scope["method"]
        attributes = {"http.request.method": method, "url.path": scope["path"]}
        with _tracer.start_as_current_span(
            method,  # OpenTelemetry's low-cardinality name when the route template is unknown
            context=propagate.extract(headers),
            kind=trace.SpanKind.SERVER,
            attributes=attributes,
        ):
            await self.app(scope, receive, send)
