"""The OAuth 2 side of the vault (authorization code + PKCE S256, refresh, revocation) via authlib's httpx client.

Every failure is re-raised as a vault error whose message names the provider and the OAuth error code
only: authlib's and httpx's own messages may echo request bodies or URLs, so they never travel on.

authlib 1.9's ``AsyncOAuth2Client`` is built on ``httpx2`` when that package is installed (it is here, as
a dependency of another package). The rest of Portico — and respx, which mocks providers in tests — speaks
``httpx``; so the client is given a transport that sends each request through one ``httpx.AsyncClient``.
authlib keeps the protocol (PKCE, client authentication, token parsing); ``httpx`` carries the bytes.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.integrations.httpx_client._compat import httpx2

from auth.vault.config import ProviderConfig
from auth.vault.errors import AuthorizationRejected, ProviderUnavailable

__all__ = ["OAuthClient", "new_code_verifier"]

log = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 15.0
# OAuth error codes that mean "this grant is no good" (as opposed to the provider being down).
_REJECTED = {"invalid_grant", "access_denied", "unauthorized_client"}


class _HttpxTransport(httpx2.AsyncBaseTransport):  # type: ignore[misc,name-defined]
    """Sends authlib's requests with ``httpx`` (see the module docstring)."""

    async def handle_async_request(self, request: Any) -> Any:
        body = await request.aread()
        async with httpx.AsyncClient(timeout=_TIMEOUT_SECONDS) as client:
            response = await client.request(
                request.method, str(request.url), headers=list(request.headers.multi_items()), content=body
            )
        return httpx2.Response(
            response.status_code, headers=list(response.headers.multi_items()), content=response.content
        )


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43-128 unreserved characters; 64 here)."""
    return secrets.token_urlsafe(48)


class OAuthClient:
    """One provider's endpoints; ``redirect_uri`` is where the provider sends the user back."""

    def __init__(self, provider: ProviderConfig, redirect_uri: str) -> None:
        self.provider = provider
        self.redirect_uri = redirect_uri

    def _client(self) -> AsyncOAuth2Client:
        spec = self.provider.spec
        return AsyncOAuth2Client(
            client_id=self.provider.client_id,
            client_secret=self.provider.client_secret,
            scope=" ".join(spec.scopes) or None,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=_TIMEOUT_SECONDS,
            transport=_HttpxTransport(),
        )

    def authorization_url(self, state: str, code_verifier: str) -> str:
        """The URL to send the user to (its ``code_challenge`` is S256 of ``code_verifier``)."""
        client = self._client()
        url, _ = client.create_authorization_url(
            self.provider.spec.authorize_url, state=state, code_verifier=code_verifier
        )
        return str(url)

    async def exchange_code(self, code: str, code_verifier: str) -> dict[str, Any]:
        """The token for an authorization code."""
        async with self._client() as client:
            return await self._token_call(
                "code exchange",
                client.fetch_token(
                    self.provider.spec.token_url,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                ),
            )

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        """A fresh token; ``AuthorizationRejected`` when the refresh token is revoked or expired."""
        async with self._client() as client:
            token = await self._token_call(
                "refresh", client.refresh_token(self.provider.spec.token_url, refresh_token=refresh_token)
            )
        token.setdefault("refresh_token", refresh_token)
        return token

    async def revoke(self, token: str, hint: str) -> None:
        """Ask the provider to revoke ``token`` (RFC 7009); failures are logged, not raised: the vault
        forgets the token either way."""
        url = self.provider.spec.revoke_url
        if not url:
            return
        try:
            async with self._client() as client:
                response = await client.revoke_token(url, token=token, token_type_hint=hint)
            if response.status_code >= 400:
                log.warning(
                    "provider refused a token revocation",
                    extra={"provider": self.provider.name, "status_code": response.status_code},
                )
        except Exception as exc:  # noqa: BLE001 - the token is forgotten here whatever the provider says
            log.warning(
                "token revocation failed", extra={"provider": self.provider.name, "error": type(exc).__name__}
            )

    async def _token_call(self, what: str, call: Any) -> dict[str, Any]:
        name = self.provider.name
        try:
            token = dict(await call)
        except OAuthError as exc:
            error = str(exc.error or "oauth_error")
            if error in _REJECTED:
                raise AuthorizationRejected(f"{name}: the provider refused the {what}: {error}") from None
            raise ProviderUnavailable(f"{name}: the provider's {what} failed: {error}") from None
        except Exception as exc:  # noqa: BLE001 - httpx, httpx2 or parsing errors: name the kind, not the text
            status = getattr(getattr(exc, "response", None), "status_code", None)
            why = f"HTTP {status}" if isinstance(status, int) else type(exc).__name__
            raise ProviderUnavailable(f"{name}: the provider's {what} failed: {why}") from None
        if not isinstance(token.get("access_token"), str) or not token["access_token"]:
            raise ProviderUnavailable(f"{name}: the provider's {what} answered without an access_token")
        return token
