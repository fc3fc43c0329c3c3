"""The A2A gRPC binding (1.0, and 0.3 through the SDK's compatibility handler) on Portico's gRPC port.

The core's server takes it as an extra service (``CoreServer(extra_services=…)``); the handler reaches the
core over a client channel like every adapter. A request names its assistant by its ``tenant`` (the cards
advertise it); a request without one, and every 0.3 request, goes to the default assistant.
"""

from __future__ import annotations

from typing import Any

from a2a.compat.v0_3 import a2a_v0_3_pb2_grpc
from a2a.compat.v0_3.grpc_handler import CompatGrpcHandler
from a2a.server.request_handlers.grpc_handler import GrpcHandler
from a2a.types import a2a_pb2_grpc

from gateway.a2a.handler import PorticoRequestHandler

__all__ = ["add_a2a_services"]


def add_a2a_services(handler: PorticoRequestHandler, server: Any) -> None:
    """Register the A2A gRPC services of ``handler`` on a ``grpc.aio`` server (before it starts)."""
    a2a_pb2_grpc.add_A2AServiceServicer_to_server(GrpcHandler(handler), server)
    a2a_v0_3_pb2_grpc.add_A2AServiceServicer_to_server(CompatGrpcHandler(handler), server)
