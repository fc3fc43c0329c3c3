"""Logs: a line logged inside a run (by the core or by graph code) carries the run's ids, and inside a traced
run its trace and span ids; JSON when configured; credentials never printed."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import context, propagate
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from clients.grpc import PorticoClient
from core.logs import JsonFormatter, ReadableFormatter, RunContextFilter, configure_logging
from core.settings import Settings
from portico.serve import Deployment
from tests.observability.conftest import TRACE_ID, TRACEPARENT

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))


@pytest.fixture
def logs() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """The root logger's records at INFO, as ``PORTICO_LOG_FORMAT=json`` and the readable default write them."""
    outs = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(out) for out in outs]
    handlers[0].setFormatter(JsonFormatter())
    handlers[1].setFormatter(ReadableFormatter())
    root = logging.getLogger()
    level = root.level
    for handler in handlers:
        handler.addFilter(RunContextFilter())
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield outs
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(level)


async def test_a_run_log_line_carries_its_ids(
    logs: tuple[io.StringIO, io.StringIO], spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    settings = Settings(database_url=str(tmp_path / "p.db"), config_path=str(GRAPHS / "langgraph.json"))
    dep = Deployment(settings, grpc_port=0, http_port=None)
    await dep.start()
    try:
        assert dep.core is not None
        async with PorticoClient.connect(dep.core.target) as client:
            thread = await client.threads.create()
            # The caller's trace context, which the client sends to the core with the request.
            token = context.attach(propagate.extract({"traceparent": TRACEPARENT}))
            try:
                run = await client.runs.create(
                    thread_id=thread["thread_id"], assistant_id="failing", input={}
                )
            finally:
                context.detach(token)
            result = await client.runs.join(run_id=run["run_id"])
            assert result["run"]["status"] == "error"
    finally:
        await dep.stop()
    json_log, readable_log = (out.getvalue() for out in logs)
    lines = [json.loads(line) for line in json_log.splitlines()]
    [run_span] = [s for s in spans.get_finished_spans() if s.name == "run"]
    ids = {
        "run_id": run["run_id"],
        "thread_id": thread["thread_id"],
        "assistant_id": run["assistant_id"],
        "trace_id": TRACE_ID,
        "span_id": f"{run_span.context.span_id:016x}",
    }
    by_message = {line["message"]: line for line in lines}
    for message in ("the boom node is about to fail", "run failed"):  # graph code's, then the core's
        line = by_message[message]
        assert {k: line.get(k) for k in ids} == ids, line
        [text] = [t for t in readable_log.splitlines() if message in t]
        assert all(f"{k}={v}" in text for k, v in ids.items()), text
    assert by_message["run failed"]["error"] == "ValueError"
    # Lines outside a run (and outside any trace) carry no run or trace ids.
    assert not {"run_id", "trace_id", "span_id"} & set(by_message["worker pool started"])


def test_formats_and_redaction() -> None:
    record = logging.LogRecord("portico", logging.INFO, __file__, 1, "calling %s", ("hook",), None)
    record.run_id = "r1"
    record.api_key = "sk-live-123"
    record.authorization = "Bearer abc"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "calling hook" and line["run_id"] == "r1"
    assert line["api_key"] == line["authorization"] == "[redacted]"
    text = ReadableFormatter().format(record)
    assert "run_id=r1" in text and "sk-live-123" not in text and "Bearer abc" not in text

    # Inside a span, a record gets the span's trace and span ids (in both formats).
    with TracerProvider().get_tracer("test").start_as_current_span("request") as span:
        traced = logging.LogRecord("portico", logging.INFO, __file__, 1, "inside", None, None)
        assert RunContextFilter().filter(traced)
    trace_id, span_id = f"{span.get_span_context().trace_id:032x}", f"{span.get_span_context().span_id:016x}"
    line = json.loads(JsonFormatter().format(traced))
    assert (line["trace_id"], line["span_id"]) == (trace_id, span_id)
    assert f"trace_id={trace_id} span_id={span_id}" in ReadableFormatter().format(traced)

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        assert isinstance(configure_logging("json").formatter, JsonFormatter)
        assert isinstance(configure_logging("text").formatter, ReadableFormatter)
    finally:
        root.handlers, _ = saved
        root.setLevel(saved[1])
