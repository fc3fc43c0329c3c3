"""The MCP Inspector's CLI (``@modelcontextprotocol/inspector``, from npm) against a real ``/mcp``: a
client that is not the Python SDK lists the tools and calls one."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any

import pytest

INSPECTOR = "@modelcontextprotocol/inspector@0.15.0"
TIMEOUT_SECONDS = 180  # the first run downloads the package from npm

pytestmark = pytest.mark.skipif(shutil.which("npx") is None, reason="npx (Node.js) is not installed")


async def _inspector(url: str, *args: str) -> Any:
    process = await asyncio.create_subprocess_exec(
        "npx",
        "-y",
        INSPECTOR,
        "--cli",
        url,
        "--transport",
        "http",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, err.decode(errors="replace")
    return json.loads(out)


@pytest.mark.parametrize("mcp_database_url", ["sqlite"], indirect=True)
async def test_inspector_cli_lists_and_calls_tools(mcp_url: str) -> None:
    listed = await _inspector(mcp_url, "--method", "tools/list")
    tools = {tool["name"]: tool for tool in listed["tools"]}
    assert tools["steps"]["inputSchema"]["properties"]["n"]["type"] == "integer"

    called = await _inspector(mcp_url, "--method", "tools/call", "--tool-name", "steps", "--tool-arg", "n=5")
    assert called["isError"] is False
    assert called["structuredContent"] == {"n": 8, "trail": ["s1", "s2", "s3"]}
    assert json.loads(called["content"][0]["text"]) == called["structuredContent"]
