"""Tracing: a run started over REST with a caller's ``traceparent`` is one trace — the gateway's request span,
the core's Runs/Create span, the worker's run span and its nodes' spans, each the child of the one before."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core import tracing as core_tracing
from core.settings import Settings
from gateway import tracing as gateway_tracing
from portico.serve import Deployment
from portico.tracing import configure_tracing

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    """Spans of the core's and the gateway's tracers, kept in memory (the global provider stays untouched)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(core_tracing, "_tracer", provider.get_tracer("portico"))
    monkeypatch.setattr(gateway_tracing, "_tracer", provider.get_tracer("portico.gateway"))
    return exporter


async def test_a_rest_run_continues_the_callers_trace(spans: InMemorySpanExporter, tmp_path: Path) -> None:
    settings = Settings(database_url=str(tmp_path / "p.db"), config_path=str(GRAPHS / "langgraph.json"))
    dep = Deployment(settings, grpc_port=0, http_port=0)
    await dep.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{dep.http_port}") as http:
            thread = (await http.post("/threads", json={})).json()
            reply = await http.post(
                f"/threads/{thread['thread_id']}/runs/wait",
                json={"assistant_id": "failing", "input": {}},
                headers={"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"},
            )
            assert reply.status_code == 200, reply.text
            chat = await http.post(
                "/runs/wait",
                json={"assistant_id": "chat", "input": {"messages": [{"role": "user", "content": "hi"}]}},
            )
            assert chat.status_code == 200, chat.text
    finally:
        await dep.stop()
    traced = [s for s in spans.get_finished_spans() if f"{s.context.trace_id:032x}" == TRACE_ID]
    by_name = {s.name: s for s in traced}
    request, create, run = by_name["POST"], by_name["portico.v1.Runs/Create"], by_name["run"]
    assert f"{request.parent.span_id:016x}" == CALLER_SPAN
    assert create.parent.span_id == request.context.span_id
    assert run.parent.span_id == create.context.span_id
    assert run.attributes["portico.thread_id"] == thread["thread_id"]
    assert run.attributes["portico.status"] == "error"
    assert run.status.status_code == trace.StatusCode.ERROR
    assert {"portico.run_id", "portico.assistant_id"} <= set(run.attributes)
    # The graph's nodes, under the run: "ok" then "boom", which raised.
    ok, boom = by_name["node ok"], by_name["node boom"]
    assert ok.parent.span_id == run.context.span_id == boom.parent.span_id
    assert ok.status.status_code != trace.StatusCode.ERROR
    assert boom.status.status_code == trace.StatusCode.ERROR
    # A chat-model call inside a node gets its span too (a run without a caller's trace starts its own).
    finished = spans.get_finished_spans()
    node = next(s for s in finished if s.name == "node model")
    model = next(s for s in finished if s.name.startswith("chat "))
    assert model.parent.span_id == node.context.span_id
    assert "hello" not in str(dict(model.attributes))  # message contents are not recorded


def test_tracing_is_off_unless_an_endpoint_is_configured() -> None:
    assert configure_tracing({}) is False
    assert (
        configure_tracing({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "true"}) is False
    )
