"""Agent Auth (a Portico extension): the caller authorizes agents to use OAuth providers on their behalf.

``POST /agent-auth/{provider}/authorize`` starts an authorization and answers the provider URL to visit;
the provider sends the user back to ``GET /agent-auth/callback``, which completes it for the caller who
started it (a ``state`` of another user is refused) and resumes their runs waiting for the grant.
The core does the work over gRPC; tokens never pass through here.
"""

from __future__ import annotations

import grpc
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from gateway.rest._json import JSONResponse, no_content
from gateway.rest._routing import ApiRequest, Router
from gateway.rest.errors import ApiError

__all__ = ["router"]

router = Router("Agent Auth")


class Authorization(BaseModel):
    url: str
    state: str


class CallbackQuery(BaseModel):
    # Providers add their own parameters (iss, scope, session_state …): ignored, not refused.
    model_config = ConfigDict(extra="ignore")
    code: str | None = None
    state: str | None = None
    error: str | None = None
    error_description: str | None = None


class CallbackResult(BaseModel):
    provider: str
    status: str
    resumed_runs: int


class ProviderStatus(BaseModel):
    provider: str
    authorized: bool
    expires_at: str | None = None
    scopes: list[str]


@router.route("POST", "/agent-auth/{provider}/authorize", response=Authorization, errors=(404,))
async def authorize(req: ApiRequest) -> Response:
    """Start authorizing a provider: the URL to send the user to, and the state bound to them."""
    started = await req.client.vault.start_authorization(req.path["provider"])
    return JSONResponse({"url": started["url"], "state": started["state"]})


@router.route("GET", "/agent-auth/callback", query=CallbackQuery, response=CallbackResult, errors=(400, 403))
async def callback(req: ApiRequest) -> Response:
    """The provider's redirect: exchange the code for the caller who started the authorization."""
    query: CallbackQuery = req.query
    if query.error:
        # The provider's own error code (access_denied …); its description is the provider's text.
        detail = f"authorization failed: {query.error}"
        if query.error_description:
            detail += f": {query.error_description[:200]}"
        raise ApiError(400, detail)
    if not query.code or not query.state:
        raise ApiError(400, "code and state are required")
    try:
        done = await req.client.vault.complete_authorization(query.state, query.code)
    except grpc.aio.AioRpcError as exc:
        # An unknown, used or expired state, or a code the provider refused: the browser's request was bad.
        if exc.code() in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
            raise ApiError(400, exc.details() or "authorization failed") from None
        raise
    return JSONResponse(
        {"provider": done["provider"], "status": "authorized", "resumed_runs": done["resumed_runs"]}
    )


@router.route("GET", "/agent-auth/providers", response=list[ProviderStatus], errors=())
async def providers(req: ApiRequest) -> Response:
    """The configured providers, and whether the caller has authorized each."""
    statuses = await req.client.vault.list_providers()
    return JSONResponse(
        [
            {
                "provider": s["provider"],
                "authorized": s["authorized"],
                "expires_at": s["expires_at"] or None,
                "scopes": s["scopes"],
            }
            for s in statuses
        ]
    )


@router.route("DELETE", "/agent-auth/{provider}", status=204, errors=(404,))
async def revoke(req: ApiRequest) -> Response:
    """Revoke the caller's grant (at the provider too, when it has a revoke URL) and forget the token."""
    await req.client.vault.revoke(req.path["provider"])
    return no_content()
