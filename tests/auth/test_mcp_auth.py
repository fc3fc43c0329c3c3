"""MCP under the deployment's auth module: every request is authenticated like REST, tool calls act for
the caller, and nobody reaches another user's threads through tools or resources."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from tests.auth.conftest import ALICE, BOB

THREAD = "io.portico/thread_id"


@contextlib.asynccontextmanager
async def _client(base_url: str, mode: str, headers: dict[str, str]) -> AsyncIterator[Client]:
    async with create_mcp_http_client(headers=headers) as http:
        async with Client(streamable_http_client(f"{base_url}/mcp", http_client=http), mode=mode) as client:
            yield client


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_mcp_calls_act_for_the_caller_and_stay_in_their_tenant(base_url: str, mode: str) -> None:
    async with _client(base_url, mode, ALICE) as alice:
        assert "whoami" in {tool.name for tool in (await alice.list_tools()).tools}
        mine = await alice.call_tool("whoami", {})
        assert not mine.is_error and mine.structured_content == {"user": "alice", "tenant": "acme"}
        alice_thread = mine.meta[THREAD]
        assert alice_thread in {
            str(r.uri).rsplit("/", 1)[-1] for r in (await alice.list_resources()).resources
        }

    async with _client(base_url, mode, BOB) as bob:
        theirs = await bob.call_tool("whoami", {})
        assert theirs.structured_content == {"user": "bob", "tenant": "globex"}
        listed = {str(r.uri).rsplit("/", 1)[-1] for r in (await bob.list_resources()).resources}
        assert alice_thread not in listed and theirs.meta[THREAD] in listed
        with pytest.raises(MCPError):
            await bob.read_resource(f"portico://threads/{alice_thread}")
        refused: Any = None
        try:
            refused = await bob.call_tool("whoami", {"thread_id": alice_thread})
        except MCPError:
            pass
        else:
            assert refused.is_error

    # Alice's thread is as she left it: one run, hers.
    async with _client(base_url, mode, ALICE) as alice:
        again = await alice.read_resource(f"portico://threads/{alice_thread}")
        assert '"alice"' in again.contents[0].text


async def test_mcp_without_credentials_is_refused(base_url: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
    }
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{base_url}/mcp", json=body, headers=headers)
        assert response.status_code == 401
        wrong = await http.post(
            f"{base_url}/mcp", json=body, headers={**headers, "Authorization": "Bearer x"}
        )
        assert wrong.status_code == 401
