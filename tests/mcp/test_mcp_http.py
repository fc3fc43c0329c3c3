"""MCP over Streamable HTTP with the official ``mcp`` client, in both protocol revisions, on SQLite and
PostgreSQL: every assistant a tool, calls, progress, cancellation, questions (elicitation), resume."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import mcp_types as types
import pytest
from gates import gate, started
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.shared.exceptions import MCPError

from clients.grpc import PorticoClient
from gateway.rest import create_app
from portico.serve import Deployment

LEGACY, MODERN = "legacy", "2026-07-28"
THREAD = "io.portico/thread_id"


def _by_name(tools: types.ListToolsResult) -> dict[str, types.Tool]:
    return {tool.name: tool for tool in tools.tools}


def _text(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


def _answering(*answers: Any, asked: list[str] | None = None) -> Any:
    """An elicitation callback that accepts with the given answers, in order, recording the questions."""
    queue = list(answers)

    async def elicit(ctx: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
        if asked is not None:
            asked.append(params.message)
        answer = queue.pop(0)
        if answer is None:
            return types.ElicitResult(action="decline")
        return types.ElicitResult(action="accept", content={"answer": answer})

    return elicit


async def test_assistants_are_tools(
    connect: Callable[..., Client], core: PorticoClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gateway.mcp")
    async with connect() as client:
        tools = _by_name(await client.list_tools())
        assert {"steps", "gated", "approval", "parallel", "failing", "opaque"} <= set(tools)
        steps = tools["steps"]
        assert steps.input_schema["properties"]["n"]["type"] == "integer"
        assert {"thread_id", "resume"} <= set(steps.input_schema["properties"])
        assert steps.output_schema is not None and "trail" in steps.output_schema["properties"]
        # A graph whose input has no JSON Schema is listed anyway, permissively, and the gateway says so.
        assert tools["opaque"].input_schema["additionalProperties"] is True
        assert any("opaque" in r.getMessage() and "permissive" in r.getMessage() for r in caplog.records)
        result = await client.call_tool("opaque", {"n": 41})
        assert result.structured_content == {"n": 42}

        # Assistants made after the client connected are tools at once; a clashing name gets a suffix.
        mine = await core.assistants.create(graph_id="steps", name="steps", description="Counts to three.")
        tools = _by_name(await client.list_tools())
        clash = f"steps-{mine['assistant_id'][:8]}"
        assert tools[clash].description == "Counts to three." and "steps" in tools
        await core.assistants.delete(mine["assistant_id"])
        assert clash not in _by_name(await client.list_tools())


async def test_call_returns_json_reports_progress_and_continues_a_thread(
    connect: Callable[..., Client],
) -> None:
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async with connect() as client:
        result = await client.call_tool("steps", {"n": 5}, progress_callback=on_progress)
        assert not result.is_error
        assert result.structured_content == {"n": 8, "trail": ["s1", "s2", "s3"]}
        assert json.loads(result.content[0].text) == result.structured_content  # JSON, not a Python repr
        messages = [m for _, m in progress]
        assert [m for m in messages if m and m.endswith(" done")] == ["s1 done", "s2 done", "s3 done"]
        values = [v for v, _ in progress]
        assert values == sorted(set(values)), "progress must increase"

        thread_id = result.meta[THREAD]
        again = await client.call_tool("steps", {"thread_id": thread_id})
        assert again.structured_content == {"n": 11, "trail": ["s1", "s2", "s3"] * 2}
        assert again.meta[THREAD] == thread_id


async def test_bad_calls_get_the_protocols_error_shapes(
    connect: Callable[..., Client], core: PorticoClient
) -> None:
    async with connect() as client:
        invalid = await client.call_tool("steps", {"n": "five"})
        assert invalid.is_error and "n: 'five' is not of type 'integer'" in _text(invalid)

        with pytest.raises(MCPError) as unknown:
            await client.call_tool("no-such-agent", {})
        assert unknown.value.code == types.INVALID_PARAMS and "no-such-agent" in unknown.value.message

        lonely = await client.call_tool("approval", {"resume": "yes"})
        assert lonely.is_error and "resume: needs thread_id" in _text(lonely)

        missing = await client.call_tool("steps", {"thread_id": str(uuid.uuid4())})
        assert missing.is_error and "NOT_FOUND" in _text(missing)

        failed = await client.call_tool("failing", {})
        assert failed.is_error and failed.structured_content["__error__"]["error"] == "ValueError"

        with pytest.raises(MCPError):
            await client.read_resource("portico://threads/" + str(uuid.uuid4()))


async def test_interrupt_becomes_elicitation_and_the_answer_resumes(connect: Callable[..., Client]) -> None:
    asked: list[str] = []
    async with connect(elicitation_callback=_answering("yes", "a1", "b1", None, asked=asked)) as client:
        result = await client.call_tool("approval", {})
        assert result.structured_content == {"n": 1, "answers": ["yes"]}
        assert asked == ["approve?"]

        # Two interrupts in one step: both are asked, and both answers resume the run together.
        both = await client.call_tool("parallel", {})
        assert sorted(both.structured_content["answers"]) == ["a1", "b1"]
        assert sorted(asked[1:]) == ["a?", "b?"]

        # A declined question leaves the thread waiting, resumable later.
        declined = await client.call_tool("approval", {})
        assert not declined.is_error and "decline" in _text(declined)
        assert declined.structured_content["__interrupt__"][0]["value"] == {"question": "approve?"}


async def test_without_elicitation_the_run_waits_and_resumes_by_thread_id(
    connect: Callable[..., Client],
) -> None:
    async with connect() as client:
        waiting = await client.call_tool("approval", {})
        assert not waiting.is_error
        thread_id = waiting.meta[THREAD]
        assert waiting.meta["io.portico/status"] == "interrupted"
        assert waiting.structured_content["__interrupt__"][0]["value"] == {"question": "approve?"}
        assert thread_id in _text(waiting) and "resume" in _text(waiting)

        resumed = await client.call_tool("approval", {"thread_id": thread_id, "resume": "ok"})
        assert resumed.structured_content == {"n": 1, "answers": ["ok"]}

        state = await client.read_resource("portico://threads/" + thread_id)
        body = json.loads(state.contents[0].text)
        assert body["status"] == "idle" and body["values"] == {"n": 1, "answers": ["ok"]}
        listed = await client.list_resources()
        assert "portico://threads/" + thread_id in {r.uri for r in listed.resources}


async def test_cancelling_the_call_cancels_the_run(
    connect: Callable[..., Client], core: PorticoClient
) -> None:
    key = uuid.uuid4().hex
    assistant = await core.assistants.create(
        graph_id="gated", name=f"gated-{key[:6]}", config={"configurable": {"gate": key}}
    )
    thread_id = (await core.threads.create())["thread_id"]
    try:
        async with connect() as client:
            tools = _by_name(await client.list_tools())
            name = next(n for n, t in tools.items() if t.title == assistant["name"])
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(client.call_tool, name, {"thread_id": thread_id})
                await started(key).wait()
                tasks.cancel_scope.cancel()
            (run,) = await core.runs.list(thread_id)
            ended = await core.runs.join(run["run_id"], thread_id=thread_id, timeout=20)
            assert ended["run"]["status"] == "interrupted"
            # The session is still usable after a cancelled call.
            assert (await client.call_tool("steps", {})).structured_content["n"] == 3
    finally:
        gate(key).set()


async def test_stateful_sessions_hear_that_the_tool_list_changed(mcp_url: str, core: PorticoClient) -> None:
    changed = anyio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ServerNotification) and isinstance(
            message, types.ToolListChangedNotification
        ):
            changed.set()

    async with Client(mcp_url, mode=LEGACY, message_handler=on_message) as client:
        assert client.server_capabilities.tools is not None and client.server_capabilities.tools.list_changed
        await client.list_tools()
        made = await core.assistants.create(graph_id="approval", name="approver")
        with anyio.fail_after(10):
            await changed.wait()
        assert made["name"] in _by_name(await client.list_tools())


async def test_stateless_calls_continue_through_another_gateway(
    deployment: Deployment, mcp_url: str, serve_gateway: Callable[..., Any]
) -> None:
    assert deployment.core is not None
    async with serve_gateway(create_app(deployment.core.target)) as other_url:
        async with Client(mcp_url, mode=MODERN, elicitation_callback=_answering("never used")) as first:
            asked = await first.session.call_tool("approval", {}, allow_input_required=True)
        assert isinstance(asked, types.InputRequiredResult) and asked.input_requests
        ((key, request),) = asked.input_requests.items()
        assert isinstance(request, types.ElicitRequest) and request.params.message == "approve?"
        async with Client(other_url + "/mcp", mode=MODERN) as second:
            done = await second.call_tool(
                "approval",
                {},
                input_responses={key: types.ElicitResult(action="accept", content={"answer": "from B"})},
                request_state=asked.request_state,
            )
        assert done.structured_content == {"n": 1, "answers": ["from B"]}
        # The same answer cannot resume the thread twice.
        async with Client(other_url + "/mcp", mode=MODERN) as third:
            stale = await third.call_tool(
                "approval",
                {},
                input_responses={key: types.ElicitResult(action="accept", content={"answer": "again"})},
                request_state=asked.request_state,
            )
        assert stale.is_error and "no longer waits" in _text(stale)


@pytest.mark.parametrize("mcp_database_url", ["sqlite"], indirect=True)
async def test_dns_rebinding_protection(mcp_url: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": _modern_meta()}}
    headers = {
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": MODERN,
        "mcp-method": "tools/list",
    }
    async with httpx.AsyncClient() as http:
        ok = await http.post(mcp_url, json=body, headers=headers)
        assert ok.status_code == 200, ok.text
        assert ok.json()["result"]["tools"]
        rebound = await http.post(mcp_url, json=body, headers={**headers, "host": "evil.example"})
        assert rebound.status_code == 421
        foreign = await http.post(mcp_url, json=body, headers={**headers, "origin": "http://evil.example"})
        assert foreign.status_code == 403


def _modern_meta() -> dict[str, Any]:
    return {
        types.PROTOCOL_VERSION_META_KEY: MODERN,
        types.CLIENT_CAPABILITIES_META_KEY: {},
        types.CLIENT_INFO_META_KEY: {"name": "raw-http", "version": "0"},
    }
