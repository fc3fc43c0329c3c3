"""Tracing: a run started with a caller's ``traceparent`` — over REST, A2A or MCP — is one trace: the gateway's
request span, the core's Runs/Create span, the worker's run span and its nodes' spans, each the child of the
one before. Message contents stay off spans unless the project's ``[telemetry]`` opts in."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from a2a.client import ClientConfig, ClientFactory
from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageConfiguration, SendMessageRequest, TaskState
from google.protobuf import json_format
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from core.graphs import ConfigError
from core.settings import Settings
from portico.serve import Deployment
from portico.tracing import TelemetrySettings, configure_tracing, load_telemetry
from tests.observability.conftest import CALLER_SPAN, TRACE_ID, TRACEPARENT

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))

CONTENT_KEYS = {
    "portico.run.input",
    "portico.node.input",
    "portico.node.output",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
}


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    settings = Settings(database_url=str(tmp_path / "p.db"), config_path=str(GRAPHS / "langgraph.json"))
    dep = Deployment(settings, grpc_port=0, http_port=0)
    await dep.start()
    try:
        yield dep
    finally:
        await dep.stop()


def _url(dep: Deployment) -> str:
    return f"http://127.0.0.1:{dep.http_port}"


def _the_callers_run(spans: Sequence[ReadableSpan], nodes: Sequence[str]) -> ReadableSpan:
    """Check the caller's trace holds request → Runs/Create → run → ``nodes``; return the run span."""
    traced = [s for s in spans if f"{s.context.trace_id:032x}" == TRACE_ID]
    by_id = {s.context.span_id: s for s in traced}
    [create] = [s for s in traced if s.name == "portico.v1.Runs/Create"]
    [run] = [s for s in traced if s.name == "run"]
    request = by_id[create.parent.span_id]
    assert request.name == "POST" and request.kind == trace.SpanKind.SERVER
    assert f"{request.parent.span_id:016x}" == CALLER_SPAN
    assert run.parent.span_id == create.context.span_id
    children = {s.name for s in traced if s.parent is not None and s.parent.span_id == run.context.span_id}
    assert {f"node {n}" for n in nodes} <= children, children
    return run


async def test_a_rest_run_continues_the_callers_trace(
    spans: InMemorySpanExporter, deployment: Deployment
) -> None:
    async with httpx.AsyncClient(base_url=_url(deployment)) as http:
        thread = (await http.post("/threads", json={})).json()
        reply = await http.post(
            f"/threads/{thread['thread_id']}/runs/wait",
            json={"assistant_id": "failing", "input": {}},
            headers={"traceparent": TRACEPARENT},
        )
        assert reply.status_code == 200, reply.text
        chat = await http.post(
            "/runs/wait",
            json={"assistant_id": "chat", "input": {"messages": [{"role": "user", "content": "hi"}]}},
        )
        assert chat.status_code == 200, chat.text
    finished = spans.get_finished_spans()
    run = _the_callers_run(finished, ["ok", "boom"])
    assert run.attributes["portico.thread_id"] == thread["thread_id"]
    assert run.attributes["portico.status"] == "error"
    assert run.status.status_code == trace.StatusCode.ERROR
    assert {"portico.run_id", "portico.assistant_id"} <= set(run.attributes)
    # The graph's nodes, under the run: "ok" then "boom", which raised.
    by_name = {s.name: s for s in finished if s.context.trace_id == run.context.trace_id}
    assert by_name["node ok"].status.status_code != trace.StatusCode.ERROR
    assert by_name["node boom"].status.status_code == trace.StatusCode.ERROR
    # A chat-model call inside a node gets its span too (a run without a caller's trace starts its own).
    node = next(s for s in finished if s.name == "node model")
    model = next(s for s in finished if s.name.startswith("chat "))
    assert model.parent.span_id == node.context.span_id
    # Message contents are not recorded by default: not on the model's span, nor the node's, nor the run's.
    for span in finished:
        assert not CONTENT_KEYS & set(span.attributes or {}), span.name
        assert "hello there" not in str(dict(span.attributes or {})), span.name


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
async def test_an_a2a_run_continues_the_callers_trace(
    spans: InMemorySpanExporter, deployment: Deployment, binding: str
) -> None:
    async with httpx.AsyncClient(timeout=30, headers={"traceparent": TRACEPARENT}) as http:
        config = ClientConfig(streaming=False, supported_protocol_bindings=[binding], httpx_client=http)
        client = await ClientFactory(config).create_from_url(f"{_url(deployment)}/a2a/steps")
        part = Part()
        part.data.CopyFrom(json_format.ParseDict({"n": 1}, part.data))
        message = Message(message_id=str(uuid.uuid4()), role=Role.ROLE_USER, parts=[part])
        request = SendMessageRequest(message=message, configuration=SendMessageConfiguration())
        [response] = [event async for event in client.send_message(request)]
        await client.close()
    assert response.task.status.state == TaskState.TASK_STATE_COMPLETED
    run = _the_callers_run(spans.get_finished_spans(), ["s1", "s2", "s3"])
    assert run.attributes["portico.status"] == "success"
    assert run.attributes["portico.thread_id"] == response.task.metadata["thread_id"]


async def test_an_mcp_tool_call_continues_the_callers_trace(
    spans: InMemorySpanExporter, deployment: Deployment
) -> None:
    async with httpx2.AsyncClient(headers={"traceparent": TRACEPARENT}, timeout=30) as http:
        transport = streamable_http_client(f"{_url(deployment)}/mcp", http_client=http)
        async with Client(transport, mode="2026-07-28") as client:
            result = await client.call_tool("steps", {"n": 1})
    assert not result.is_error, result
    run = _the_callers_run(spans.get_finished_spans(), ["s1", "s2", "s3"])
    assert run.attributes["portico.status"] == "success"


async def test_contents_are_recorded_when_the_project_opts_in(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    config = tmp_path / "portico.toml"
    config.write_text(
        f'dependencies = ["{GRAPHS}"]\n[graphs]\nchat = "{GRAPHS}/graphs.py:chat"\n'
        "[telemetry]\nrecord_content = true\n"
    )
    telemetry = load_telemetry(str(config), {})  # what `portico serve` reads, with no OTEL_* variables
    assert telemetry.record_content is True
    settings = Settings(
        database_url=str(tmp_path / "p.db"), config_path=str(config), record_content=telemetry.record_content
    )
    dep = Deployment(settings, grpc_port=0, http_port=0)
    await dep.start()
    try:
        async with httpx.AsyncClient(base_url=_url(dep)) as http:
            reply = await http.post(
                "/runs/wait",
                json={
                    "assistant_id": "chat",
                    "input": {"messages": [{"role": "user", "content": "hi there"}]},
                },
            )
            assert reply.status_code == 200, reply.text
    finally:
        await dep.stop()
    by_name = {s.name: s for s in spans.get_finished_spans()}
    model = next(s for name, s in by_name.items() if name.startswith("chat "))
    attributes: dict[str, Any] = dict(model.attributes or {})
    assert "hi there" in attributes["gen_ai.input.messages"]
    assert "hello there from a scripted model" in attributes["gen_ai.output.messages"]
    assert "hi there" in by_name["run"].attributes["portico.run.input"]
    assert "hello there from a scripted model" in by_name["node model"].attributes["portico.node.output"]


def test_telemetry_settings_from_the_file_and_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "portico.toml"
    config.write_text(
        f'[graphs]\nchat = "{GRAPHS}/graphs.py:chat"\n[telemetry]\n'
        'otlp_endpoint = "http://collector:4318"\nservice_name = "agents"\nrecord_content = true\n'
    )
    assert load_telemetry(str(config), {}) == TelemetrySettings("http://collector:4318", "agents", True)
    assert load_telemetry(str(tmp_path / "absent.toml"), {}) == TelemetrySettings(None, "portico", False)
    # The environment wins, key by key.
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://elsewhere:4318",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "false",
    }
    assert load_telemetry(str(config), env) == TelemetrySettings(None, "agents", False)
    on = {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "true"}
    assert TelemetrySettings.from_config(None, on).record_content is True
    with pytest.raises(ConfigError, match="telemetry.record_contents: unknown"):
        TelemetrySettings.from_config({"record_contents": True}, {})
    with pytest.raises(ConfigError, match="telemetry.record_content: expected a boolean"):
        TelemetrySettings.from_config({"record_content": "yes"}, {})


def test_tracing_is_off_unless_an_endpoint_is_configured() -> None:
    assert configure_tracing({}) is False
    assert configure_tracing({}, TelemetrySettings(record_content=True)) is False
    assert (
        configure_tracing({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "true"}) is False
    )
    assert configure_tracing({"OTEL_SDK_DISABLED": "true"}, TelemetrySettings("http://x")) is False
