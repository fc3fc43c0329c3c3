"""Portico as an OAuth 2 resource server: verifying the JWT access tokens an authorization server issued.

``JwtTokenVerifier`` implements the ``mcp`` package's ``TokenVerifier`` protocol. It checks each token's
signature against the issuer's published keys (JWKS, discovered from the issuer's metadata unless given),
its issuer, its audience (RFC 8707: a token minted for another resource is refused), its lifetime and the
scopes the deployment requires. ``identity_of`` turns a verified token into the caller's ``Identity``;
the token itself goes no further than the edge that verified it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.jose import JsonWebKey, JsonWebToken, Key, KeySet
from authlib.jose.errors import ExpiredTokenError, JoseError
from mcp.server.auth.provider import AccessToken

from auth.identity import Identity

__all__ = [
    "IssuerKeys",
    "JwtTokenVerifier",
    "KeysUnavailable",
    "TokenRejected",
    "identity_of",
    "metadata_urls",
]

logger = logging.getLogger(__name__)

# Asymmetric algorithms only (a resource server holds no shared secret; "none" is never acceptable), each
# with the key type it needs.
_KEY_TYPES = {
    **dict.fromkeys(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"], "RSA"),
    **dict.fromkeys(["ES256", "ES384", "ES512"], "EC"),
    "EdDSA": "OKP",
}
_ALGORITHMS = list(_KEY_TYPES)
_JWT = JsonWebToken(_ALGORITHMS)
# Claims an Identity carries: who the caller is, never the token or its signature.
_IDENTITY_CLAIMS = (
    "sub",
    "iss",
    "client_id",
    "azp",
    "name",
    "email",
    "preferred_username",
    "tenant_id",
    "tenant",
    "org_id",
    "exp",
    "iat",
)
_TENANT_CLAIMS = ("tenant_id", "tenant", "org_id")


class TokenRejected(Exception):
    """A bearer token this resource does not accept, with its RFC 6750 error code."""

    def __init__(self, description: str, *, error: str = "invalid_token") -> None:
        super().__init__(description)
        self.error = error
        """"invalid_token" (401) or "insufficient_scope" (403)."""
        self.description = description


class KeysUnavailable(Exception):
    """The issuer's keys cannot be read just now, so no token can be verified."""


def metadata_urls(issuer: str) -> list[str]:
    """Where an issuer's metadata may be: RFC 8414 first, then OpenID Connect Discovery (both spellings)."""
    parts = urlsplit(issuer.rstrip("/"))
    origin, path = f"{parts.scheme}://{parts.netloc}", parts.path
    urls = [
        f"{origin}/.well-known/oauth-authorization-server{path}",
        f"{origin}/.well-known/openid-configuration{path}",
    ]
    if path:
        urls.append(f"{origin}{path}/.well-known/openid-configuration")
    return urls


class IssuerKeys:
    """The issuer's signing keys, fetched once and kept.

    A token signed with a key not in the set (the issuer rotated its keys) makes the set be fetched again,
    at most once per ``refetch_seconds``, so tokens with made-up key ids cannot make this process hammer
    the issuer. The set is also refreshed when older than ``max_age_seconds``.
    """

    def __init__(
        self,
        issuer: str,
        *,
        jwks_url: str | None = None,
        refetch_seconds: float = 30.0,
        max_age_seconds: float = 3600.0,
        timeout_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.jwks_url = jwks_url
        self._refetch = refetch_seconds
        self._max_age = max_age_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._refetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> Key:
        """The key with id ``kid`` (the only key, when the token names none and there is one).

        Raises:
            TokenRejected: no such key, even after fetching the set again.
            KeysUnavailable: the set could not be fetched.
        """
        async with self._lock:
            now = self._clock()
            if self._keys is None or now - self._fetched_at > self._max_age:
                await self._fetch()
            found = self._find(kid)
            if found is None and (self._refetched_at is None or now - self._refetched_at >= self._refetch):
                self._refetched_at = now
                logger.info("access token signed with an unknown key: fetching the issuer's keys again")
                await self._fetch()
                found = self._find(kid)
        if found is None:
            raise TokenRejected("the token is signed with a key the issuer does not publish")
        return found

    def _find(self, kid: str | None) -> Key | None:
        assert self._keys is not None
        keys = self._keys.keys
        if kid is None:
            return keys[0] if len(keys) == 1 else None
        return next((key for key in keys if key.kid == kid), None)

    async def _fetch(self) -> None:
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as http:
                if self.jwks_url is None:
                    self.jwks_url = await self._discover(http)
                response = await http.get(self.jwks_url, headers={"Accept": "application/json"})
                response.raise_for_status()
                keys = JsonWebKey.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            if self._keys is None:
                raise KeysUnavailable(f"cannot read the issuer's keys: {exc}") from exc
            logger.warning("cannot refresh the issuer's keys, keeping the ones held: %s", exc)
            return
        self._keys = keys
        self._fetched_at = self._clock()

    async def _discover(self, http: httpx.AsyncClient) -> str:
        """The issuer's ``jwks_uri``, from its metadata (whose ``issuer`` must be the configured one)."""
        for url in metadata_urls(self.issuer):
            response = await http.get(url, headers={"Accept": "application/json"})
            if response.status_code != 200:
                continue
            metadata = response.json()
            if not isinstance(metadata, dict) or not isinstance(metadata.get("jwks_uri"), str):
                continue
            if metadata.get("issuer") != self.issuer:
                # RFC 8414 §3.3: metadata naming another issuer must not be used.
                raise ValueError(f"{url} names issuer {metadata.get('issuer')!r}, not {self.issuer!r}")
            return str(metadata["jwks_uri"])
        raise ValueError(f"no authorization server metadata with a jwks_uri for {self.issuer}")


def _header(token: str) -> dict[str, Any]:
    """The JWS header of a compact JWT, unverified (only to pick the key)."""
    segments = token.split(".")
    if len(segments) != 3:
        raise TokenRejected("the token is not a signed JWT")
    try:
        raw = base64.urlsafe_b64decode(segments[0] + "=" * (-len(segments[0]) % 4))
        header = json.loads(raw)
    except ValueError as exc:
        raise TokenRejected("the token's header is not readable") from exc
    if not isinstance(header, dict):
        raise TokenRejected("the token's header is not readable")
    return header


def _scopes(claims: Mapping[str, Any]) -> list[str]:
    """The token's scopes: RFC 9068 ``scope`` (space-separated), else ``scp`` (a list or a string)."""
    value = claims.get("scope", claims.get("scp"))
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(scope) for scope in value]
    return []


def _audiences(claims: Mapping[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list):
        return [str(a) for a in aud]
    return []


def _same_resource(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


class JwtTokenVerifier:
    """Verifies JWT access tokens from one issuer for one resource (``mcp``'s ``TokenVerifier``).

    Args:
        issuer: the ``iss`` every token must carry, exactly.
        audience: the resource tokens must be minted for (an entry of their ``aud``); a caller that only
            learns it per request passes it to ``verify`` instead.
        required_scopes: scopes every token must grant (else ``insufficient_scope``).
        leeway_seconds: clock skew allowed on ``exp``/``nbf``/``iat``.
    """

    def __init__(
        self,
        issuer: str,
        *,
        audience: str | None = None,
        jwks_url: str | None = None,
        required_scopes: Iterable[str] = (),
        leeway_seconds: float = 30.0,
        keys: IssuerKeys | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.required_scopes = tuple(required_scopes)
        self._leeway = leeway_seconds
        self._clock = clock
        self.keys = keys or IssuerKeys(issuer, jwks_url=jwks_url)

    async def verify_token(self, token: str) -> AccessToken | None:
        """The token's grant, or None when it is not one this resource accepts (``TokenVerifier``)."""
        try:
            return await self.verify(token)
        except (TokenRejected, KeysUnavailable):
            return None

    async def verify(self, token: str, *, audience: str | None = None) -> AccessToken:
        """The grant a valid token carries; ``audience`` overrides the configured one.

        Raises:
            TokenRejected: the token is invalid here (``error`` says whether it is a scope it lacks).
            KeysUnavailable: the issuer's keys could not be read.
        """
        audience = audience or self.audience
        if not audience:
            raise ValueError("no audience to check the token against")
        header = _header(token)
        alg = header.get("alg")
        if alg not in _KEY_TYPES:
            raise TokenRejected("the token's signing algorithm is not accepted")
        kid = header.get("kid")
        key = await self.keys.key(kid if isinstance(kid, str) else None)
        if key.kty != _KEY_TYPES[alg] or key.tokens.get("use", "sig") != "sig":
            raise TokenRejected("the token's signing algorithm does not fit the issuer's key")
        try:
            claims = _JWT.decode(token, key, claims_options={"exp": {"essential": True}})
            claims.validate(now=int(self._clock()), leeway=int(self._leeway))
        except ExpiredTokenError as exc:
            raise TokenRejected("the token has expired") from exc
        except JoseError as exc:
            # Authlib's error codes name the failing check (bad signature, claim), never the token.
            raise TokenRejected(f"the token is not valid: {exc.error}") from exc
        except (ValueError, KeyError, TypeError) as exc:  # a malformed signature or payload
            raise TokenRejected("the token is not valid") from exc
        if claims.get("iss") != self.issuer:
            raise TokenRejected("the token was issued by another authorization server")
        if not any(_same_resource(aud, audience) for aud in _audiences(claims)):
            raise TokenRejected("the token was issued for another resource")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise TokenRejected("the token names no subject")
        scopes = _scopes(claims)
        missing = [scope for scope in self.required_scopes if scope not in scopes]
        if missing:
            raise TokenRejected(f"the token lacks scope {' '.join(missing)}", error="insufficient_scope")
        client_id = claims.get("client_id", claims.get("azp", ""))
        exp = claims.get("exp")
        return AccessToken(
            token=token,
            client_id=str(client_id),
            scopes=scopes,
            expires_at=int(exp) if isinstance(exp, int | float) else None,
            resource=audience,
            subject=subject,
            claims={k: claims[k] for k in _IDENTITY_CLAIMS if k in claims},
        )


def identity_of(access: AccessToken) -> Identity:
    """The caller a verified token speaks for: its subject, with its scopes as permissions.

    ``fields`` holds the token's identifying claims (subject, issuer, client, name, tenant …), never the
    token itself, so nothing that reads the identity can replay it.
    """
    claims = dict(access.claims or {})
    fields: dict[str, Any] = {
        **{k: claims[k] for k in _IDENTITY_CLAIMS if k in claims},
        "identity": access.subject or "",
        "client_id": access.client_id,
        "scopes": list(access.scopes),
    }
    tenant = next((claims[k] for k in _TENANT_CLAIMS if isinstance(claims.get(k), str)), "")
    display = claims.get("name") or claims.get("preferred_username") or ""
    return Identity(
        identity=access.subject or "",
        kind="user",
        tenant=str(tenant),
        permissions=tuple(access.scopes),
        display_name=str(display),
        is_authenticated=True,
        fields=fields,
    )
