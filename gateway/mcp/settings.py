"""The MCP endpoint's configuration: one typed object, built once by whoever creates the gateway."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["McpOAuthSettings", "McpSettings"]

_LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]")
_LOOPBACK_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class McpOAuthSettings:
    """MCP authorization: ``/mcp`` accepts only access tokens from ``issuer`` minted for this resource."""

    issuer: str
    """The authorization server (its ``iss``, exactly); its metadata says where its keys are."""
    audience: str | None = None
    """The ``aud`` tokens must include (RFC 8707 resource); None: the MCP resource URL, ``<public url>/mcp``."""
    jwks_url: str | None = None
    """The issuer's key set; None: the ``jwks_uri`` of its RFC 8414 (else OpenID Connect) metadata."""
    required_scopes: tuple[str, ...] = ()
    """Scopes every token must grant; a token without one gets 403 ``insufficient_scope``."""
    leeway_seconds: float = 30.0
    """Clock skew allowed on ``exp``/``nbf``."""
    jwks_refetch_seconds: float = 30.0
    """An unknown key id makes the key set be fetched again at most this often (key rotation)."""


@dataclass(frozen=True)
class McpSettings:
    allowed_hosts: tuple[str, ...] = _LOOPBACK_HOSTS
    """``Host`` header values ``/mcp`` answers (``name:*`` allows any port); others get 421 (DNS rebinding)."""
    allowed_origins: tuple[str, ...] = _LOOPBACK_ORIGINS
    """``Origin`` header values a browser may send (absent Origin is allowed); others get 403."""
    dns_rebinding_protection: bool = True
    """Off only behind a proxy that checks ``Host`` itself (``PORTICO_MCP_ALLOWED_HOSTS=*``)."""
    list_changed_seconds: float = 5.0
    """How often assistants are compared while stateful (2025-11-25) sessions are open, to tell them
    ``notifications/tools/list_changed``. Nothing is polled while no such session is open."""
    session_idle_seconds: float = 30 * 60
    """A stateful session with no request in flight for this long is closed."""
    public_url: str | None = None
    """Base URL callers reach the gateway at (``PORTICO_PUBLIC_URL``); None: the request's scheme and Host.
    The MCP resource is ``<public url>/mcp``."""
    oauth: McpOAuthSettings | None = None
    """MCP authorization (OAuth 2.1 bearer tokens, RFC 9728 metadata); None: ``/mcp`` is open."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, bind_host: str | None = None) -> McpSettings:
        """Settings from ``PORTICO_MCP_*`` variables; the gateway's bind address is always allowed.

        ``PORTICO_MCP_ALLOWED_HOSTS`` / ``PORTICO_MCP_ALLOWED_ORIGINS``: comma-separated, added to the
        loopback defaults; ``*`` as the hosts value turns the Host/Origin check off.
        ``PORTICO_MCP_OAUTH_ISSUER`` turns authorization on, with ``PORTICO_MCP_OAUTH_AUDIENCE``,
        ``PORTICO_MCP_OAUTH_JWKS_URL`` and ``PORTICO_MCP_OAUTH_SCOPES`` (space- or comma-separated).
        """
        env = os.environ if env is None else env
        hosts = list(_LOOPBACK_HOSTS)
        if bind_host and bind_host not in ("0.0.0.0", "::", ""):
            hosts += [f"{bind_host}:*", bind_host]
        raw_hosts = env.get("PORTICO_MCP_ALLOWED_HOSTS", "")
        protection = raw_hosts.strip() != "*"
        if protection:
            hosts += _split(raw_hosts)
        origins = [*_LOOPBACK_ORIGINS, *_split(env.get("PORTICO_MCP_ALLOWED_ORIGINS", ""))]
        poll = env.get("PORTICO_MCP_LIST_CHANGED_SECONDS")
        public_url = env.get("PORTICO_PUBLIC_URL", "").strip().rstrip("/") or None
        oauth = _oauth_from_env(env)
        return cls(
            allowed_hosts=tuple(dict.fromkeys(hosts)),
            allowed_origins=tuple(dict.fromkeys(origins)),
            dns_rebinding_protection=protection,
            list_changed_seconds=float(poll) if poll else cls.list_changed_seconds,
            public_url=public_url,
            oauth=oauth,
        )


def _oauth_from_env(env: Mapping[str, str]) -> McpOAuthSettings | None:
    issuer = env.get("PORTICO_MCP_OAUTH_ISSUER", "").strip()
    if not issuer:
        return None
    scopes = env.get("PORTICO_MCP_OAUTH_SCOPES", "").replace(",", " ").split()
    return McpOAuthSettings(
        issuer=issuer,
        audience=env.get("PORTICO_MCP_OAUTH_AUDIENCE", "").strip() or None,
        jwks_url=env.get("PORTICO_MCP_OAUTH_JWKS_URL", "").strip() or None,
        required_scopes=tuple(dict.fromkeys(scopes)),
    )
