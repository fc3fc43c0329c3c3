"""Threads as MCP resources: ``portico://threads/{thread_id}`` reads a thread's state as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from clients.grpc import PorticoClient
from gateway._runs import flatten_interrupts
from gateway.mcp.calls import render
from gateway.mcp.errors import protocol_error, unknown

__all__ = ["THREAD_URI", "ThreadResources"]

THREAD_URI = "portico://threads/"
_PAGE = 50


def _thread_id(uri: str) -> str:
    if not uri.startswith(THREAD_URI) or not uri[len(THREAD_URI) :].strip("/"):
        raise unknown("resource", uri)
    return uri[len(THREAD_URI) :].strip("/")


class ThreadResources:
    """Lists the caller's threads (newest first, paged) and reads one's state."""

    def __init__(self, client: Callable[[], PorticoClient]) -> None:
        self._client = client

    async def list(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        cursor = params.cursor if params is not None else None
        try:
            offset = int(cursor) if cursor else 0
        except ValueError:
            raise MCPError(
                code=INVALID_PARAMS, message=f"cursor: not one this server issued: {cursor!r}"
            ) from None
        try:
            threads = await self._client().threads.search(
                limit=_PAGE, offset=offset, sort_by="updated_at", sort_order="desc"
            )
        except grpc.aio.AioRpcError as exc:
            raise protocol_error(exc) from exc
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=THREAD_URI + thread["thread_id"],
                    name=f"thread {thread['thread_id']}",
                    description=f"Thread ({thread.get('status')}): its state values and pending interrupts",
                    mime_type="application/json",
                )
                for thread in threads
            ],
            next_cursor=str(offset + _PAGE) if len(threads) == _PAGE else None,
        )

    async def templates(
        self, ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    uri_template=THREAD_URI + "{thread_id}",
                    name="thread",
                    description="A thread's state values, next nodes and pending interrupts",
                    mime_type="application/json",
                )
            ]
        )

    async def read(
        self, ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        thread_id = _thread_id(params.uri)
        client = self._client()
        try:
            thread = await client.threads.get(thread_id)
            state = await client.threads.get_state(thread_id)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                raise unknown("resource", params.uri) from exc
            raise protocol_error(exc) from exc
        state = state if isinstance(state, dict) else {}
        body = {
            "thread_id": thread_id,
            "status": thread.get("status"),
            "values": state.get("values"),
            "next": state.get("next") or [],
            "interrupts": flatten_interrupts(thread.get("interrupts")),
            "metadata": thread.get("metadata") or {},
            "updated_at": thread.get("updated_at"),
        }
        return types.ReadResourceResult(
            contents=[
                types.TextResourceContents(uri=params.uri, mime_type="application/json", text=render(body))
            ]
        )
