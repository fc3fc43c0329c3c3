"""``portico mcp-stdio``: the stdio bridge Claude Desktop launches, driven by the official ``mcp`` client
over a real subprocess's stdin/stdout, forwarding to a real gateway's ``/mcp`` over HTTP."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from gates import gate, started
from mcp import Client, StdioServerParameters
from mcp.client.session import ClientRequestContext
from mcp.shared.exceptions import MCPError

from clients.grpc import PorticoClient

ROOT = Path(__file__).resolve().parents[2]
THREAD = "io.portico/thread_id"


def _bridge(mcp_url: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "portico", "mcp-stdio", "--url", mcp_url], cwd=str(ROOT)
    )


def _text(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))


async def test_stdio_bridge_forwards_tools_questions_and_cancellation(
    mcp_url: str, mode: str, core: PorticoClient
) -> None:
    answers: list[str | None] = ["yes", None]
    asked: list[str] = []

    async def elicit(ctx: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        answer = answers.pop(0)
        if answer is None:
            return types.ElicitResult(action="decline")
        return types.ElicitResult(action="accept", content={"answer": answer})

    progress: list[str | None] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message)

    key = uuid.uuid4().hex
    gated = await core.assistants.create(
        graph_id="gated", name=f"gated-{key[:6]}", config={"configurable": {"gate": key}}
    )
    async with Client(_bridge(mcp_url), mode=mode, elicitation_callback=elicit) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert {"steps", "approval", gated["name"]} <= set(tools)

        result = await client.call_tool("steps", {"n": 1}, progress_callback=on_progress)
        assert result.structured_content == {"n": 4, "trail": ["s1", "s2", "s3"]}
        assert json.loads(_text(result)) == result.structured_content
        assert [m for m in progress if m and m.endswith(" done")] == ["s1 done", "s2 done", "s3 done"]

        # A question is put to the client through the bridge, and its answer resumes the run.
        approved = await client.call_tool("approval", {})
        assert approved.structured_content == {"n": 1, "answers": ["yes"]} and asked == ["approve?"]

        # Declined: the run waits on its thread, and a later call with thread_id and resume continues it.
        waiting = await client.call_tool("approval", {})
        thread_id = waiting.meta[THREAD]
        assert waiting.structured_content["__interrupt__"] and thread_id in _text(waiting)
        resumed = await client.call_tool("approval", {"thread_id": thread_id, "resume": "later"})
        assert resumed.structured_content == {"n": 1, "answers": ["later"]}
        state = json.loads((await client.read_resource(f"portico://threads/{thread_id}")).contents[0].text)
        assert state["values"] == {"n": 1, "answers": ["later"]}

        invalid = await client.call_tool("steps", {"trail": "not a list"})
        assert invalid.is_error and "trail" in _text(invalid)
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("no-such-agent", {})
        assert unknown.value.code == types.INVALID_PARAMS

        # Cancelling the call on stdio cancels the run behind the gateway.
        thread = (await core.threads.create())["thread_id"]
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_call, client, gated["name"], {"thread_id": thread})
                await started(key).wait()
                tasks.cancel_scope.cancel()
            (run,) = await core.runs.list(thread)
            ended = await core.runs.join(run["run_id"], thread_id=thread, timeout=20)
            assert ended["run"]["status"] == "interrupted"
        finally:
            gate(key).set()


async def _call(client: Client, name: str, arguments: dict[str, Any]) -> None:
    await client.call_tool(name, arguments)
