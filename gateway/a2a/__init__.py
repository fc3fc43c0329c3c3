"""A2A (Agent2Agent): every assistant as an A2A agent over JSON-RPC, HTTP+JSON and gRPC, on ``a2a-sdk``."""

from gateway.a2a.cards import A2ASettings
from gateway.a2a.grpc_binding import add_a2a_services
from gateway.a2a.handler import PorticoRequestHandler
from gateway.a2a.routes import a2a_routes

__all__ = ["A2ASettings", "PorticoRequestHandler", "a2a_routes", "add_a2a_services"]
