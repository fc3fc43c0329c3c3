"""The REST gateway: a Starlette app serving the LangGraph Platform Agent Protocol on a core client."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import logging
from collections.abc import AsyncIterator
from typing import Any

import grpc
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from auth.setup import AuthSetup
from clients.grpc import PorticoClient
from gateway import metrics as gateway_metrics
from gateway.a2a import A2ASettings, PorticoRequestHandler, a2a_routes
from gateway.auth import AuthMiddleware, gateway_metadata
from gateway.mcp import McpGateway, McpSettings
from gateway.rest import agent_auth, assistants, crons, run_streams, runs, store, threads, webhooks
from gateway.rest._json import JSONResponse
from gateway.rest._routing import ApiRequest, ApiRoute, Router
from gateway.rest.errors import EXCEPTION_HANDLERS
from gateway.rest.openapi import DOCS_HTML, build_openapi
from gateway.rest.settings import GatewaySettings
from gateway.tracing import TraceMiddleware

__all__ = ["API_ROUTES", "create_app", "serve_gateway"]

logger = logging.getLogger(__name__)

_system = Router("System")


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


@_system.route(
    "GET", "/ok", response={"type": "object", "properties": {"ok": {"type": "boolean"}}}, errors=()
)
async def ok(req: ApiRequest) -> Response:
    """Readiness: 200 while the core serves and its database answers, else 503 (it recovers by itself)."""
    if await req.client.serving():
        return JSONResponse({"ok": True})
    return JSONResponse({"ok": False, "detail": "the core or its database is unreachable"}, status_code=503)


@_system.route("GET", "/info", response={"type": "object", "additionalProperties": True}, errors=())
async def info(req: ApiRequest) -> Response:
    """Server version and the optional features it offers."""
    return JSONResponse(
        {
            "version": req.settings.version,
            "server": "portico",
            "langgraph_py_version": _version("langgraph"),
            "flags": {
                "assistants": True,
                "crons": True,
                "langsmith": False,
                "store": True,
                "strict_resume": True,
            },
        }
    )


API_ROUTES: list[ApiRoute] = [
    *_system.routes,
    *assistants.router.routes,
    *threads.router.routes,
    *crons.router.routes,  # before runs: /runs/crons/… must not be taken for a run id
    *webhooks.router.routes,
    *runs.router.routes,
    *run_streams.router.routes,
    *store.router.routes,
    *agent_auth.router.routes,
]


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def create_app(
    client: PorticoClient | str,
    *,
    settings: GatewaySettings | None = None,
    mcp_settings: McpSettings | None = None,
    a2a_settings: A2ASettings | None = None,
    auth: AuthSetup | None = None,
) -> Starlette:
    """The Agent Protocol REST API over ``client`` (the core's gRPC API).

    ``client`` may be a core address ("host:port"): the app then opens its own channel at start-up and
    closes it at shutdown (run it with lifespan on). MCP is served at ``/mcp`` with ``mcp_settings``.
    ``auth`` (the project's) authenticates every request; None: the open local mode.
    """
    settings = settings or GatewaySettings()
    mcp = McpGateway(mcp_settings)
    if auth is not None and auth.secret:
        mcp.secret = auth.secret
        if auth.enabled:
            mcp.internal_metadata = gateway_metadata(auth.secret)
    a2a = a2a_settings or A2ASettings()
    if auth is not None and auth.enabled and not a2a.auth:
        a2a = dataclasses.replace(a2a, auth=True)  # the cards declare the schemes AuthMiddleware takes
    spec: dict[str, Any] = {}
    target = client if isinstance(client, str) else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if target is None:
            async with mcp.running(lambda: app.state.client):
                yield
            return
        app.state.client = PorticoClient.connect(target)
        try:
            async with mcp.running(lambda: app.state.client):
                yield
        finally:
            await app.state.client.close()

    async def openapi(request: Request) -> Response:
        if not spec:
            spec.update(build_openapi(API_ROUTES, title=settings.title, version=settings.version))
        return JSONResponse(spec)

    async def docs(request: Request) -> Response:
        return HTMLResponse(DOCS_HTML)

    async def metrics(request: Request) -> Response:
        # The gateway's own metrics, then the core's: the gateway reaches storage only through the core.
        text = gateway_metrics.render()
        try:
            text += await request.app.state.client.metrics.scrape()
        except grpc.aio.AioRpcError as exc:
            logger.warning("could not read the core's metrics", extra={"code": exc.code().name})
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False),
        Route("/docs", docs, methods=["GET"], include_in_schema=False),
        Route("/metrics", metrics, methods=["GET"], include_in_schema=False),
        *(route.starlette_route() for route in API_ROUTES),
        *mcp.routes,
        *a2a_routes(PorticoRequestHandler(a2a)),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={**EXCEPTION_HANDLERS, Exception: _unexpected},
        lifespan=lifespan,
        middleware=[
            Middleware(TraceMiddleware),
            Middleware(
                AuthMiddleware,
                authenticator=auth.authenticator() if auth is not None else None,
                secret=(auth.secret if auth is not None else None) or b"",
                # With an OAuth issuer for MCP, /mcp takes bearer tokens of that issuer: MCP checks them.
                skip=("/mcp",) if mcp.oauth is not None else (),
            ),
        ],
    )
    app.state.client = None if target is not None else client
    app.state.settings = settings
    app.state.a2a = a2a
    return app


async def serve_gateway(
    core_target: str, host: str = "127.0.0.1", port: int = 8123, *, settings: GatewaySettings | None = None
) -> None:
    """Serve the REST gateway on ``host:port`` against the core at ``core_target`` until cancelled."""
    config = uvicorn.Config(
        create_app(core_target, settings=settings),
        host=host,
        port=port,
        lifespan="on",
        log_level="info",
        timeout_graceful_shutdown=5,
    )
    await uvicorn.Server(config).serve()
