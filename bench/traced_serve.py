"""``python -m bench.traced_serve serve …``: ``portico`` with tracing on, spans kept in memory.

The tracer provider is configured the way a user's own process would (the OpenTelemetry SDK, a
``BatchSpanProcessor``), with an in-memory exporter instead of an OTLP collector, so the benchmark measures
Portico's span work and not a network exporter. At exit the number of spans finished is written to
``$PORTICO_BENCH_SPANS_FILE`` (if set), so the benchmark can show that tracing really was on.
"""

from __future__ import annotations

import os
import sys

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from portico.cli import main


def _run() -> int:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    try:
        return main(sys.argv[1:])
    finally:
        provider.shutdown()  # flushes the batch processor
        path = os.environ.get("PORTICO_BENCH_SPANS_FILE")
        if path:
            with open(path, "w") as f:
                f.write(str(len(exporter.get_finished_spans())))


if __name__ == "__main__":
    raise SystemExit(_run())
