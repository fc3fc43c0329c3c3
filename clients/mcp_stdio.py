"""``portico mcp-stdio``: a stdio MCP server that forwards to a Portico gateway's ``/mcp``.

For MCP clients that launch servers as subprocesses (Claude Desktop). Upstream it speaks the stateless
2026-07-28 protocol over Streamable HTTP, so it holds no session on the gateway and any replica can answer.
Downstream it serves whichever revision the client speaks over stdio:

* tools, their calls (with progress and cancellation) and thread resources are forwarded as they are;
* a question a run asks (the gateway's ``InputRequiredResult``) is passed through to a 2026-07-28 client,
  and put to a 2025-11-25 client as ``elicitation/create`` requests, whose answers go back upstream;
* a client without elicitation gets the gateway's "the run is waiting" result (the gateway is told the
  client's capabilities by the capabilities this bridge declares upstream).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.abc
import mcp_types as types
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from mcp.shared.jsonrpc_dispatcher import progress_token_from_params
from mcp_types import INVALID_REQUEST
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

__all__ = ["StdioBridge", "serve_stdio"]

_UPSTREAM_VERSION = "2026-07-28"
_MAX_QUESTIONS = 10


async def _never_called(ctx: ClientRequestContext, params: types.ElicitRequestParams) -> types.ElicitResult:
    # Present only so the upstream client declares elicitation; questions are driven by the bridge itself.
    return types.ElicitResult(action="cancel")


class StdioBridge:
    """The forwarding handlers; the upstream client is opened on first use, once the client's
    capabilities (and so whether it can answer questions) are known."""

    def __init__(self, url: str, *, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self._tasks: anyio.abc.TaskGroup | None = None
        self._upstream: Client | None = None
        self._lock = anyio.Lock()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[StdioBridge]:
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            try:
                yield self
            finally:
                tasks.cancel_scope.cancel()
                self._tasks = None

    async def _client(self, ctx: ServerRequestContext[Any, Any]) -> Client:
        async with self._lock:
            if self._upstream is None:
                assert self._tasks is not None, "use the bridge inside running()"
                capabilities = ctx.session.client_capabilities
                can_elicit = capabilities is not None and capabilities.elicitation is not None
                self._upstream = await self._tasks.start(self._hold_upstream, can_elicit)
            return self._upstream

    async def _hold_upstream(self, can_elicit: bool, *, task_status: anyio.abc.TaskStatus[Client]) -> None:
        # The upstream client owns task groups, so it lives in a task of its own, not in the request
        # handler that happened to open it.
        async with create_mcp_http_client(headers=self.headers) as http:
            client = Client(
                streamable_http_client(self.url, http_client=http),
                mode=_UPSTREAM_VERSION,
                elicitation_callback=_never_called if can_elicit else None,
                cache=None,
            )
            async with client:
                task_status.started(client)
                await anyio.sleep_forever()

    def server(self) -> Server[Any]:
        return Server(
            "portico",
            title="Portico (stdio bridge)",
            instructions=f"Forwards to the Portico gateway at {self.url}.",
            on_list_tools=self.list_tools,
            on_call_tool=self.call_tool,
            on_list_resources=self.list_resources,
            on_list_resource_templates=self.list_resource_templates,
            on_read_resource=self.read_resource,
        )

    async def list_tools(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        upstream = await self._client(ctx)
        result = await upstream.list_tools(cursor=params.cursor if params else None, cache_mode="bypass")
        return types.ListToolsResult(tools=result.tools, next_cursor=result.next_cursor)

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        upstream = await self._client(ctx)
        progress = None
        if progress_token_from_params(ctx.params) is not None:

            async def progress(value: float, total: float | None, message: str | None) -> None:
                await ctx.session.report_progress(value, total, message)

        responses, state = params.input_responses, params.request_state
        for _ in range(_MAX_QUESTIONS):
            result = await upstream.session.call_tool(
                params.name,
                params.arguments,
                progress_callback=progress,
                input_responses=responses,
                request_state=state,
                allow_input_required=True,
            )
            if not isinstance(result, types.InputRequiredResult):
                if not isinstance(result, types.CallToolResult):
                    raise MCPError(
                        code=INVALID_REQUEST, message="the gateway answered with an unknown result"
                    )
                return result
            if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
                return result  # the client answers and retries itself
            responses, state = await self._ask(ctx, result), result.request_state
        raise MCPError(
            code=INVALID_REQUEST, message=f"the run asked more than {_MAX_QUESTIONS} questions in one call"
        )

    async def _ask(
        self, ctx: ServerRequestContext[Any, Any], asked: types.InputRequiredResult
    ) -> dict[str, types.InputResponse]:
        """Put the gateway's questions to a 2025-11-25 client as elicitation requests."""
        answers: dict[str, types.InputResponse] = {}
        for key, request in (asked.input_requests or {}).items():
            if not isinstance(request, types.ElicitRequest) or not isinstance(
                request.params, types.ElicitRequestFormParams
            ):
                raise MCPError(code=INVALID_REQUEST, message=f"cannot forward input request {request.method}")
            answers[key] = await ctx.session.elicit_form(
                request.params.message, request.params.requested_schema, related_request_id=ctx.request_id
            )
        return answers

    async def list_resources(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        upstream = await self._client(ctx)
        result = await upstream.list_resources(cursor=params.cursor if params else None, cache_mode="bypass")
        return types.ListResourcesResult(resources=result.resources, next_cursor=result.next_cursor)

    async def list_resource_templates(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        upstream = await self._client(ctx)
        result = await upstream.list_resource_templates(
            cursor=params.cursor if params else None, cache_mode="bypass"
        )
        return types.ListResourceTemplatesResult(
            resource_templates=result.resource_templates, next_cursor=result.next_cursor
        )

    async def read_resource(
        self, ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        upstream = await self._client(ctx)
        result = await upstream.read_resource(params.uri, cache_mode="bypass")
        return types.ReadResourceResult(contents=result.contents)


async def serve_stdio(url: str, *, headers: dict[str, str] | None = None) -> None:
    """Serve MCP on this process's stdin/stdout, forwarding to the gateway at ``url`` until stdin closes."""
    bridge = StdioBridge(url, headers=headers)
    server = bridge.server()
    async with bridge.running(), stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
