"""The A2A gRPC binding (1.0, and 0.3 through the SDK's compatibility handler) on Portico's gRPC port.

The core's server takes it as an extra service (``CoreServer(extra_services=…)``); the handler reaches the
core over a client channel like every adapter, with the caller's metadata, so the core authenticates an A2A
gRPC caller as it does a direct one. A request names its assistant by its ``tenant`` (the cards advertise
it); a request without one, and every 0.3 request, goes to the default assistant.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any, NoReturn

import grpc
from a2a.compat.v0_3 import a2a_v0_3_pb2_grpc
from a2a.compat.v0_3.grpc_handler import CompatGrpcHandler
from a2a.server.request_handlers.grpc_handler import GrpcHandler
from a2a.types import a2a_pb2_grpc

from gateway.a2a.handler import PorticoRequestHandler

__all__ = ["add_a2a_services"]

# The core refusing the caller: answered with the core's own code, not as an unexpected error.
_REFUSALS = frozenset({grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED})


async def _refuse(exc: grpc.aio.AioRpcError, context: grpc.aio.ServicerContext) -> NoReturn:
    if exc.code() in _REFUSALS:
        await context.abort(exc.code(), exc.details() or "")
    raise exc


class _Handler(GrpcHandler):
    async def _handle_unary(
        self,
        request: Any,
        context: grpc.aio.ServicerContext,
        handler_func: Callable[..., Awaitable[Any]],
        default_response: Any,
    ) -> Any:
        try:
            return await super()._handle_unary(request, context, handler_func, default_response)
        except grpc.aio.AioRpcError as exc:
            await _refuse(exc, context)

    async def _handle_stream(
        self, request: Any, context: grpc.aio.ServicerContext, handler_func: Callable[..., AsyncIterable[Any]]
    ) -> AsyncIterable[Any]:
        try:
            async for item in super()._handle_stream(request, context, handler_func):
                yield item
        except grpc.aio.AioRpcError as exc:
            await _refuse(exc, context)


class _CompatHandler(CompatGrpcHandler):
    async def _handle_unary(
        self,
        context: grpc.aio.ServicerContext,
        handler_func: Callable[..., Awaitable[Any]],
        default_response: Any,
    ) -> Any:
        try:
            return await super()._handle_unary(context, handler_func, default_response)
        except grpc.aio.AioRpcError as exc:
            await _refuse(exc, context)

    async def _handle_stream(
        self, context: grpc.aio.ServicerContext, handler_func: Callable[..., AsyncIterable[Any]]
    ) -> AsyncIterable[Any]:
        try:
            async for item in super()._handle_stream(context, handler_func):
                yield item
        except grpc.aio.AioRpcError as exc:
            await _refuse(exc, context)


def add_a2a_services(handler: PorticoRequestHandler, server: Any) -> None:
    """Register the A2A gRPC services of ``handler`` on a ``grpc.aio`` server (before it starts)."""
    a2a_pb2_grpc.add_A2AServiceServicer_to_server(_Handler(handler), server)
    a2a_v0_3_pb2_grpc.add_A2AServiceServicer_to_server(_CompatHandler(handler), server)
