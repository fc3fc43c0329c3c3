"""Turn OpenTelemetry tracing on from the standard ``OTEL_*`` variables (off unless an endpoint is set)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

__all__ = ["configure_tracing"]

log = logging.getLogger("portico")


def configure_tracing(env: Mapping[str, str]) -> bool:
    """Install an SDK tracer provider exporting OTLP/HTTP when ``OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`` is
    set; True when tracing is on. The SDK reads the other ``OTEL_*`` variables (service name, headers …)."""
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if not (env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")):
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            'OTEL_EXPORTER_OTLP_ENDPOINT is set but tracing needs `pip install -e ".[otel]"`; tracing is off'
        )
        return False
    attributes = {} if env.get("OTEL_SERVICE_NAME") else {"service.name": "portico"}
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return True
