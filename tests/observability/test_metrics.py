"""``/metrics``: Prometheus text that ``prometheus_client``'s parser reads, whose counters move by exactly
the runs (and store operations) made, gathered from the gateway and, over gRPC, from the core; its stream
gauges count the REST, MCP and A2A streams open at that moment."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import mcp_types as types
import pytest
from a2a.client import ClientConfig, ClientFactory
from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageRequest
from langgraph_sdk import get_client
from prometheus_client.parser import text_string_to_metric_families

from core.runtime import default_assistant_id
from core.settings import Settings
from portico.serve import Deployment

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
if str(GRAPHS) not in sys.path:
    sys.path.insert(0, str(GRAPHS))  # the served graphs and the test share the `gates` module
from gates import gate, started  # noqa: E402

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(params=["sqlite", "postgres"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    database = (
        str(tmp_path / "portico.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    )
    settings = Settings(database_url=database, config_path=str(GRAPHS / "langgraph.json"), workers=2)
    dep = Deployment(settings, grpc_port=0, http_port=0)
    await dep.start()
    try:
        yield f"http://127.0.0.1:{dep.http_port}"
    finally:
        await dep.stop()


async def _scrape(http: httpx.AsyncClient) -> Samples:
    reply = await http.get("/metrics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(reply.text)
        for s in family.samples
    }


def _get(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _total(samples: Samples, name: str) -> float:
    return sum(v for (n, _), v in samples.items() if n == name)


async def test_metrics_count_exactly_the_runs_made(url: str) -> None:
    steps, failing, gated = (default_assistant_id(g) for g in ("steps", "failing", "gated"))
    sdk = get_client(url=url, api_key=None)
    async with httpx.AsyncClient(base_url=url) as http:
        before = await _scrape(http)
        assert _get(before, "portico_database_up") == 1

        for _ in range(2):
            await sdk.runs.wait(None, "steps", input={})
        await sdk.runs.wait(None, "failing", input={}, raise_error=False)
        await sdk.store.put_item(["metrics"], "k", {"v": 1})
        await sdk.store.get_item(["metrics"], "k")
        thread = await sdk.threads.create()
        await sdk.runs.create(thread["thread_id"], "steps", input={}, after_seconds=600)  # waits in the queue

        key = str(uuid.uuid4())

        async def follow() -> None:
            async for _ in sdk.runs.stream(None, "gated", input={}, config={"configurable": {"gate": key}}):
                pass

        streaming = asyncio.create_task(follow())
        await started(key).wait()
        during = await _scrape(http)
        assert _get(during, "portico_active_streams", protocol="rest") == 1 + _get(
            before, "portico_active_streams", protocol="rest"
        )
        gate(key).set()
        await streaming
        after = await _scrape(http)
    await sdk.aclose()

    def moved(name: str, **labels: str) -> float:
        return _get(after, name, **labels) - _get(before, name, **labels)

    assert moved("portico_queue_wait_seconds_count", assistant_id=steps) == 2  # not the delayed one
    assert moved("portico_queue_wait_seconds_count", assistant_id=failing) == 1
    assert moved("portico_queue_wait_seconds_count", assistant_id=gated) == 1
    assert moved("portico_queue_wait_seconds_sum", assistant_id=steps) >= 0
    assert moved("portico_runs_created_total", assistant_id=steps) == 3
    assert moved("portico_runs_created_total", assistant_id=failing) == 1
    assert moved("portico_runs_created_total", assistant_id=gated) == 1
    assert moved("portico_runs_finished_total", assistant_id=steps, status="success") == 2
    assert moved("portico_runs_finished_total", assistant_id=failing, status="error") == 1
    assert moved("portico_runs_finished_total", assistant_id=gated, status="success") == 1
    assert (
        _total(after, "portico_run_duration_seconds_count")
        - _total(before, "portico_run_duration_seconds_count")
        == 4
    )
    assert _get(after, "portico_queue_depth") == 1
    assert moved("portico_store_operations_total", operation="put") == 1
    assert moved("portico_store_operations_total", operation="get") == 1


async def _gated_assistant(sdk: Any) -> tuple[dict[str, Any], str]:
    """A new assistant of the ``gated`` graph whose runs wait on a gate of their own; and that gate's key."""
    key = str(uuid.uuid4())
    assistant = await sdk.assistants.create(
        "gated", config={"configurable": {"gate": key}}, name=f"gated_{key[:8]}"
    )
    return assistant, key


async def test_stream_gauges_count_open_mcp_and_a2a_streams(url: str) -> None:
    sdk = get_client(url=url, api_key=None)
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        before = await _scrape(http)

        # A2A: a streaming SendMessage is an open stream until its task ends.
        assistant, key = await _gated_assistant(sdk)
        config = ClientConfig(streaming=True, supported_protocol_bindings=["JSONRPC"], httpx_client=http)
        client = await ClientFactory(config).create_from_url(f"{url}/a2a/{assistant['assistant_id']}")
        message = Message(message_id=str(uuid.uuid4()), role=Role.ROLE_USER, parts=[Part(text="go")])

        async def a2a_stream() -> None:
            async for _ in client.send_message(SendMessageRequest(message=message)):
                pass

        streaming = asyncio.create_task(a2a_stream())
        await started(key).wait()
        during = await _scrape(http)
        assert _get(during, "portico_active_streams", protocol="a2a") == 1 + _get(
            before, "portico_active_streams", protocol="a2a"
        )
        gate(key).set()
        await streaming
        await client.close()

        # MCP: a tools/call answered as an SSE stream (here from its first progress notification on) is
        # open until the tool's run ends.
        assistant, key = await _gated_assistant(sdk)
        meta = {
            types.PROTOCOL_VERSION_META_KEY: "2026-07-28",
            types.CLIENT_CAPABILITIES_META_KEY: {},
            types.CLIENT_INFO_META_KEY: {"name": "raw-http", "version": "0"},
        }
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": assistant["name"], "arguments": {}, "_meta": {**meta, "progressToken": 1}},
        }
        headers = {
            "accept": "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": assistant["name"],
        }

        answering = asyncio.Event()

        async def mcp_call() -> str:
            async with http.stream("POST", "/mcp", json=body, headers=headers) as reply:
                assert reply.headers["content-type"].startswith("text/event-stream"), reply.headers
                answering.set()
                return (await reply.aread()).decode()

        calling = asyncio.create_task(mcp_call())
        await started(key).wait()
        answered = asyncio.create_task(answering.wait())
        await asyncio.wait({calling, answered}, return_when=asyncio.FIRST_COMPLETED)
        answered.cancel()
        assert not calling.done(), calling.exception()
        during = await _scrape(http)
        assert _get(during, "portico_active_streams", protocol="mcp") == 1 + _get(
            before, "portico_active_streams", protocol="mcp"
        )
        gate(key).set()
        assert '"isError":false' in (await calling).replace(" ", "")
    await sdk.aclose()
