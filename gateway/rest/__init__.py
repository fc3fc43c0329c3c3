"""The Agent Protocol REST API (LangGraph Platform compatible), served on the core's gRPC client."""

from gateway.rest.app import create_app, serve_gateway
from gateway.rest.settings import GatewaySettings

__all__ = ["GatewaySettings", "create_app", "serve_gateway"]
