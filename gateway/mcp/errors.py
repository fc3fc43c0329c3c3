"""The MCP edge's one error table: the core's gRPC status → a tool error result or a JSON-RPC error.

Inside ``tools/call`` a refusal the caller can act on (bad input, unknown thread, busy thread) becomes a
tool error result, so the model sees the reason and can correct itself; a failure of the server itself is
a JSON-RPC error. Outside tool calls every refusal is a JSON-RPC error.
"""

from __future__ import annotations

import grpc
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST

__all__ = ["caller_can_fix", "protocol_error", "unknown"]

_JSONRPC_CODES = {
    grpc.StatusCode.INVALID_ARGUMENT: INVALID_PARAMS,
    grpc.StatusCode.NOT_FOUND: INVALID_PARAMS,  # 2026-07-28 retired -32002: an unknown resource is bad params
    grpc.StatusCode.OUT_OF_RANGE: INVALID_PARAMS,
    grpc.StatusCode.ALREADY_EXISTS: INVALID_REQUEST,
    grpc.StatusCode.FAILED_PRECONDITION: INVALID_REQUEST,
    grpc.StatusCode.ABORTED: INVALID_REQUEST,
    grpc.StatusCode.PERMISSION_DENIED: INVALID_REQUEST,
    grpc.StatusCode.UNAUTHENTICATED: INVALID_REQUEST,
}


def caller_can_fix(exc: grpc.aio.AioRpcError) -> bool:
    """Whether the core refused the request for a reason the caller controls (→ a tool error result)."""
    return exc.code() in _JSONRPC_CODES


def protocol_error(exc: grpc.aio.AioRpcError) -> MCPError:
    """The JSON-RPC error for a core refusal; server-side failures say nothing of their internals."""
    code = _JSONRPC_CODES.get(exc.code())
    if code is None:
        return MCPError(code=INTERNAL_ERROR, message="the Portico core could not answer")
    return MCPError(code=code, message=exc.details() or exc.code().name)


def unknown(kind: str, name: str) -> MCPError:
    """The JSON-RPC error for a tool or resource this server does not have (invalid params)."""
    return MCPError(code=INVALID_PARAMS, message=f"Unknown {kind}: {name}")
