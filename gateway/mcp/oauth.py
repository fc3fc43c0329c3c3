"""MCP authorization at ``/mcp``: bearer tokens checked at the edge, RFC 9728 metadata telling clients where
to get one, and the verified caller made the identity of each request the MCP server handles.

Per the MCP authorization spec (2025-06-18 and later), a request without a token gets 401 with
``WWW-Authenticate: Bearer resource_metadata="…"``; an invalid token adds ``error="invalid_token"``; a token
without a required scope gets 403 ``error="insufficient_scope"``. mcp's ``RequireAuthMiddleware`` is not
used because it reports ``invalid_token`` even when no token was sent (RFC 6750 §3.1 says not to) and its
metadata URL is fixed at start-up, where here it may follow the request's Host.

The token stops here: once verified, the ``Authorization`` header is removed from the request before the
MCP server sees it, and the authenticated user kept on the request holds the grant without the token.
"""

from __future__ import annotations

import logging
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.routes import cors_middleware
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from mcp.shared.auth import ProtectedResourceMetadata
from starlette.authentication import AuthCredentials
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Scope

from auth import identity
from auth.oauth_resource import IssuerKeys, JwtTokenVerifier, KeysUnavailable, TokenRejected, identity_of
from gateway.mcp.settings import McpOAuthSettings

__all__ = ["IDENTITY_KEY", "METADATA_PATH", "OAuthGuard", "use_caller_identity"]

logger = logging.getLogger(__name__)

IDENTITY_KEY = "portico.identity"
"""Where an ``Authenticate`` hook that accepts a request leaves the caller's ``Identity`` in its scope."""
METADATA_PATH = "/.well-known/oauth-protected-resource"
_MCP_PATH = "/mcp"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "").replace('"', "'") + '"'


class OAuthGuard:
    """The ``Authenticate`` hook for ``/mcp`` when an issuer is configured, and its metadata routes."""

    def __init__(
        self,
        oauth: McpOAuthSettings,
        *,
        public_url: str | None,
        security: TransportSecuritySettings,
        verifier: JwtTokenVerifier | None = None,
    ) -> None:
        if oauth.audience is None and not public_url and not security.enable_dns_rebinding_protection:
            # The audience would be named by whatever Host a request claims, with nothing checking it.
            raise ValueError(
                "MCP authorization with the Host check off (PORTICO_MCP_ALLOWED_HOSTS=*) needs "
                "PORTICO_PUBLIC_URL or PORTICO_MCP_OAUTH_AUDIENCE"
            )
        self.oauth = oauth
        self._public_url = public_url.rstrip("/") if public_url else None
        self._security = TransportSecurityMiddleware(security)
        self.verifier = verifier or JwtTokenVerifier(
            oauth.issuer,
            audience=oauth.audience,
            required_scopes=oauth.required_scopes,
            leeway_seconds=oauth.leeway_seconds,
            keys=IssuerKeys(
                oauth.issuer, jwks_url=oauth.jwks_url, refetch_seconds=oauth.jwks_refetch_seconds
            ),
        )

    def _base(self, request: Request) -> str:
        return self._public_url or str(request.base_url).rstrip("/")

    def resource(self, request: Request) -> str:
        """The MCP resource's URL: what RFC 9728 metadata names and, by default, the tokens' audience."""
        return self._base(request) + _MCP_PATH

    def metadata_url(self, request: Request) -> str:
        return self._base(request) + METADATA_PATH + _MCP_PATH

    @property
    def routes(self) -> list[Route]:
        """RFC 9728 metadata, at the path-suffixed URL (RFC 9728 §3.1) and at the root for older clients."""
        endpoint = cors_middleware(self._metadata, ["GET", "OPTIONS"])
        return [
            Route(path, endpoint=endpoint, methods=["GET", "OPTIONS"], include_in_schema=False)
            for path in (METADATA_PATH + _MCP_PATH, METADATA_PATH)
        ]

    async def _metadata(self, request: Request) -> Response:
        refusal = await self._security.validate_request(request)
        if refusal is not None:
            return refusal
        # Strings, so the model keeps them as given: clients compare the issuer exactly (RFC 8414 §3.3).
        metadata = ProtectedResourceMetadata.model_validate(
            {
                "resource": self.resource(request),
                "authorization_servers": [self.oauth.issuer],
                "scopes_supported": list(self.oauth.required_scopes) or None,
                "bearer_methods_supported": ["header"],
                "resource_name": "Portico MCP",
            }
        )
        return JSONResponse(
            metadata.model_dump(mode="json", exclude_none=True),
            headers={"Cache-Control": "public, max-age=3600"},
        )

    async def __call__(self, scope: Scope) -> Response | None:
        """None (the request is the verified caller's), or the refusal to send.

        On success the scope gets ``user``/``auth`` (mcp binds stateful sessions to the principal through
        them) and the caller's ``Identity`` under ``IDENTITY_KEY``; its ``Authorization`` header is removed.
        """
        request = Request(scope)
        if request.method == "OPTIONS":  # CORS preflights carry no credentials
            return None
        # The Host names the resource whose tokens are accepted, so it is checked before anything else.
        refusal = await self._security.validate_request(request)
        if refusal is not None:
            return refusal
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._challenge(request, 401, None, "")
        try:
            access = await self.verifier.verify(
                token.strip(), audience=self.oauth.audience or self.resource(request)
            )
        except TokenRejected as exc:
            status = 403 if exc.error == "insufficient_scope" else 401
            return self._challenge(request, status, exc.error, exc.description)
        except KeysUnavailable as exc:
            logger.warning("cannot verify MCP access tokens: %s", exc)
            return JSONResponse(
                {"error": "temporarily_unavailable", "error_description": "cannot verify tokens right now"},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        grant = access.model_copy(update={"token": ""})  # who, not the credential
        scope["user"] = AuthenticatedUser(grant)
        scope["auth"] = AuthCredentials(grant.scopes)
        scope[IDENTITY_KEY] = identity_of(grant)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
        return None

    def _challenge(self, request: Request, status: int, error: str | None, description: str) -> Response:
        params = []
        if error is not None:
            params += [f"error={_quoted(error)}", f"error_description={_quoted(description)}"]
        params.append(f"resource_metadata={_quoted(self.metadata_url(request))}")
        if self.oauth.required_scopes:
            params.append(f"scope={_quoted(' '.join(self.oauth.required_scopes))}")
        body: dict[str, Any] = {"error": error or "unauthorized"}
        body["error_description"] = description or "an access token is required"
        return JSONResponse(
            body, status_code=status, headers={"WWW-Authenticate": "Bearer " + ", ".join(params)}
        )


async def use_caller_identity(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    """MCP server middleware: each request runs as the caller its HTTP request was authenticated as.

    The handler of a stateful session's request runs in the session's task, not the HTTP request's, so
    the identity is taken from the request the message came with, every time.
    """
    request = ctx.request
    caller = request.scope.get(IDENTITY_KEY) if isinstance(request, Request) else None
    if caller is None:
        return await call_next(ctx)
    token = identity.use(caller)
    try:
        return await call_next(ctx)
    finally:
        token.var.reset(token)
