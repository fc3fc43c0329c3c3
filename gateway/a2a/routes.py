"""The A2A HTTP surface: per-assistant JSON-RPC and HTTP+JSON bindings (with the SDK's 0.3 compatibility
layer), agent cards, the list of all cards, and the default assistant at the domain root.

    GET  /a2a                                      every assistant's card
    GET  /a2a/{assistant}/.well-known/agent-card.json
    POST /a2a/{assistant}                          JSON-RPC (1.0 methods, and 0.3's message/send …)
    *    /a2a/{assistant}/message:send …           HTTP+JSON (1.0), /a2a/{assistant}/v1/… (0.3)
    GET  /.well-known/agent-card.json              the default assistant's card
    *    /message:send, /tasks, /tasks/{id} …      the default assistant's HTTP+JSON binding
"""

from __future__ import annotations

from typing import Any

import grpc
from a2a.server.context import ServerCallContext
from a2a.server.request_handlers.response_helpers import agent_card_to_dict
from a2a.server.routes.common import DefaultServerCallContextBuilder
from a2a.server.routes.jsonrpc_routes import create_jsonrpc_routes
from a2a.server.routes.rest_routes import create_rest_routes
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from gateway.a2a.cards import A2ASettings, Endpoints, assistant_path, build_card
from gateway.a2a.handler import PorticoRequestHandler

__all__ = ["a2a_routes"]


def _settings(request: Request) -> A2ASettings:
    return getattr(request.app.state, "a2a", None) or A2ASettings()


def endpoints_of(request: Request) -> Endpoints:
    """Where the caller reaches us: the configured public URL, else the request's scheme and ``Host``."""
    settings = _settings(request)
    base = (
        settings.public_url or f"{request.url.scheme}://{request.headers.get('host') or request.url.netloc}"
    )
    grpc_url = settings.grpc_url
    if grpc_url is None and settings.grpc_port:
        host = request.url.hostname or "127.0.0.1"
        grpc_url = f"{host}:{settings.grpc_port}"
    return Endpoints(base_url=base.rstrip("/"), grpc_url=grpc_url)


class _ContextBuilder(DefaultServerCallContextBuilder):
    """Puts the core client, the caller's endpoints and the path's assistant into the call context."""

    def build(self, request: Request) -> ServerCallContext:
        context = super().build(request)
        context.state["portico_client"] = request.app.state.client
        context.state["portico_endpoints"] = endpoints_of(request)
        if "assistant_id" in request.path_params:
            context.state["assistant_id"] = request.path_params["assistant_id"]
        return context


def _without_mounts(routes: list[BaseRoute]) -> list[BaseRoute]:
    # The SDK adds a catch-all "/{tenant}" mount; tenants here are the path's assistant, and at the root
    # such a mount would shadow every other protocol's routes.
    return [route for route in routes if not isinstance(route, Mount)]


def a2a_routes(handler: PorticoRequestHandler) -> list[BaseRoute]:
    """The A2A routes of a gateway app whose ``state.client`` is the core client and ``state.a2a`` its
    :class:`A2ASettings`."""
    builder = _ContextBuilder()

    async def card(request: Request, assistant_ref: str | None, *, root: bool = False) -> Response:
        client = request.app.state.client
        ref = assistant_ref or await handler.default_assistant(client)
        try:
            assistant = await client.assistants.get(ref)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return JSONResponse({"detail": f"no assistant {ref!r}"}, status_code=404)
            raise
        return JSONResponse(
            agent_card_to_dict(build_card(assistant, endpoints_of(request), _settings(request), root=root))
        )

    async def assistant_card(request: Request) -> Response:
        return await card(request, request.path_params["assistant_id"])

    async def root_card(request: Request) -> Response:
        return await card(request, None, root=True)

    async def all_cards(request: Request) -> Response:
        client = request.app.state.client
        endpoints, settings = endpoints_of(request), _settings(request)
        assistants = await client.assistants.search(limit=1000)
        cards: list[dict[str, Any]] = [
            {
                "assistant_id": a["assistant_id"],
                "url": f"{endpoints.base_url}/a2a/{assistant_path(a)}/.well-known/agent-card.json",
                "card": agent_card_to_dict(build_card(a, endpoints, settings)),
            }
            for a in assistants
        ]
        return JSONResponse({"agents": cards})

    prefix = "/a2a/{assistant_id}"
    return [
        Route("/a2a", all_cards, methods=["GET"]),
        Route(f"{prefix}/.well-known/agent-card.json", assistant_card, methods=["GET"]),
        *create_jsonrpc_routes(handler, prefix, context_builder=builder, enable_v0_3_compat=True),
        *_without_mounts(create_rest_routes(handler, builder, enable_v0_3_compat=True, path_prefix=prefix)),
        Route("/.well-known/agent-card.json", root_card, methods=["GET"]),
        *_without_mounts(create_rest_routes(handler, builder, enable_v0_3_compat=False)),
    ]
