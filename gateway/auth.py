"""Authentication at the gateway's edge, for every protocol it serves over HTTP (REST, MCP, A2A).

``AuthMiddleware`` runs the project's authenticate handler once per request and attaches the identity to
every core call the request makes: signed (``auth.signing``), so nobody can forge it on the way, through
``clients.grpc.call_metadata``. An operator key (``x-api-key: pko_…``) goes to the core as is; the core
checks it. Liveness, metrics, docs and discovery documents are public, as on LangGraph Platform.

Some protocol libraries serve a request in a task that did not start in the request's context (an MCP
session's task group), so the metadata is also left in the ASGI scope: ``bind(scope)`` re-attaches it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from auth.authenticate import Authenticator, AuthError, RequestInfo
from auth.identity import Identity, use
from auth.keys import looks_like_key
from auth.signing import HEADER, sign
from clients.grpc import call_metadata

__all__ = ["AuthMiddleware", "PUBLIC_PATHS", "SCOPE_KEY", "bind", "gateway_metadata"]

log = logging.getLogger(__name__)

SCOPE_KEY = "portico.call_metadata"
PUBLIC_PATHS = frozenset({"/ok", "/info", "/metrics", "/docs", "/openapi.json"})
_PUBLIC_PREFIXES = ("/.well-known/",)
_CARD_SUFFIXES = ("/.well-known/agent-card.json", "/.well-known/agent.json")


def gateway_metadata(secret: bytes) -> tuple[tuple[str, str], ...]:
    """Metadata for the gateway's own calls (webhook dispatch, the MCP tool-list watcher)."""
    return ((HEADER, sign(Identity("portico-gateway", kind="gateway", is_authenticated=True), secret)),)


def bind(scope: Scope) -> None:
    """Attach the request's identity to the core calls made from here on (in this context)."""
    metadata = scope.get(SCOPE_KEY)
    if metadata is not None:
        call_metadata.set(metadata)


class AuthMiddleware:
    def __init__(
        self, app: ASGIApp, authenticator: Authenticator | None, secret: bytes, skip: Sequence[str] = ()
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.secret = secret
        self.skip = tuple(skip)
        self.gateway = gateway_metadata(secret)  # signed once: the identity never changes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.authenticator is None:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path.endswith(_CARD_SUFFIXES):
            # A2A agent cards are public (a client reads the security schemes there before it has a
            # token); the gateway reads the assistant as itself, and an assistant is deployment config.
            await self._with(self.gateway, scope, receive, send)
            return
        if path in PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIXES) or path in self.skip:
            await self.app(scope, receive, send)
            return
        metadata: Sequence[tuple[str, str]]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or ()}
        api_key = headers.get("x-api-key")
        if looks_like_key(api_key):
            metadata = (("x-api-key", api_key),)  # type: ignore[assignment]  # the core checks operator keys
        else:
            request = Request(scope, receive)
            try:
                identity = await self.authenticator.authenticate(
                    RequestInfo(
                        method=scope.get("method", "GET"),
                        path=path,
                        headers=headers,
                        query_params=dict(request.query_params),
                        path_params=dict(scope.get("path_params") or {}),
                        request=request,
                    )
                )
            except AuthError as exc:
                response = JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)
                await response(scope, receive, send)
                return
            caller = use(identity)  # for the gateway's own code (A2A, MCP) during this request
            try:
                await self._with(((HEADER, sign(identity, self.secret)),), scope, receive, send)
            finally:
                caller.var.reset(caller)
            return
        await self._with(metadata, scope, receive, send)

    async def _with(
        self, metadata: Sequence[tuple[str, str]], scope: Scope, receive: Receive, send: Send
    ) -> None:
        scope[SCOPE_KEY] = metadata
        token = call_metadata.set(metadata)
        try:
            await self.app(scope, receive, send)
        finally:
            call_metadata.reset(token)
