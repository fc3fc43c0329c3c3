"""Logs: a line logged inside a run (by the core or by graph code) carries the run's ids; JSON when
configured; credentials never printed."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from clients.grpc import PorticoClient
from core.logs import JsonFormatter, ReadableFormatter, RunContextFilter, configure_logging
from core.settings import Settings
from portico.serve import Deployment

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger's records at INFO, as ``PORTICO_LOG_FORMAT=json`` writes them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RunContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_a_run_log_line_carries_its_ids(json_log: io.StringIO, tmp_path: Path) -> None:
    settings = Settings(database_url=str(tmp_path / "p.db"), config_path=str(GRAPHS / "langgraph.json"))
    dep = Deployment(settings, grpc_port=0, http_port=None)
    await dep.start()
    try:
        assert dep.core is not None
        async with PorticoClient.connect(dep.core.target) as client:
            thread = await client.threads.create()
            run = await client.runs.create(thread_id=thread["thread_id"], assistant_id="failing", input={})
            result = await client.runs.join(run_id=run["run_id"])
            assert result["run"]["status"] == "error"
    finally:
        await dep.stop()
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    ids = {"run_id": run["run_id"], "thread_id": thread["thread_id"], "assistant_id": run["assistant_id"]}
    by_message = {line["message"]: line for line in lines}
    for message in ("the boom node is about to fail", "run failed"):  # graph code's, then the core's
        line = by_message[message]
        assert {k: line.get(k) for k in ids} == ids, line
    assert by_message["run failed"]["error"] == "ValueError"
    # Lines outside a run carry no run ids.
    assert "run_id" not in by_message["worker pool started"]


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

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        assert isinstance(configure_logging("json").formatter, JsonFormatter)
        assert isinstance(configure_logging("text").formatter, ReadableFormatter)
    finally:
        root.handlers, _ = saved
        root.setLevel(saved[1])
