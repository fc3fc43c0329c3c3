"""Authentication at the edge: run the project's ``@auth.authenticate`` handler on a request's headers.

Every protocol calls this once per request (REST and MCP and A2A in the gateway, direct gRPC callers in
the core) and gets an ``Identity`` or an ``AuthError`` to answer in its own shape. The handler receives
the arguments it names, as on LangGraph Platform: ``request``, ``headers`` (bytes → bytes, lower-case
names), ``authorization``, ``method``, ``path``, ``query_params``, ``path_params``, ``scopes``.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import langgraph_sdk
from langgraph_sdk.auth.exceptions import HTTPException

from auth.identity import Identity

__all__ = ["AuthError", "Authenticator", "RequestInfo", "identity_of"]

log = logging.getLogger(__name__)

_TENANT_FIELDS = ("tenant_id", "tenant", "org_id")


class AuthError(Exception):
    """Authentication failed: answer ``status`` (401 unless the handler chose) with ``detail``."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


@dataclass
class RequestInfo:
    """What the handler may look at, whatever the protocol."""

    method: str
    path: str
    headers: Mapping[str, str]
    """Lower-case names."""
    query_params: Mapping[str, str] = field(default_factory=dict)
    path_params: Mapping[str, Any] = field(default_factory=dict)
    request: Any = None
    """The protocol's own request object (a Starlette ``Request`` over HTTP), else a stand-in."""


def identity_of(result: Any) -> Identity:
    """An ``Identity`` from what an authenticate handler returned (a str, a user dict or a user object)."""
    if isinstance(result, str) and result:
        return Identity(identity=result, kind="user", is_authenticated=True, fields={"identity": result})
    if isinstance(result, Mapping):
        fields = dict(result)
    elif hasattr(result, "identity"):
        fields = {
            key: getattr(result, key)
            for key in ("identity", "display_name", "is_authenticated", "permissions")
            if hasattr(result, key)
        }
        if hasattr(result, "dict") and callable(result.dict):
            fields = {**dict(result.dict()), **fields}
    else:
        raise TypeError(
            f"authenticate returned {type(result).__name__}; return a str or a dict with 'identity'"
        )
    identity = fields.get("identity")
    if not isinstance(identity, str) or not identity:
        raise TypeError("authenticate returned a user without a non-empty string 'identity'")
    tenant = next((str(fields[k]) for k in _TENANT_FIELDS if fields.get(k)), "")
    permissions = tuple(str(p) for p in fields.get("permissions") or ())
    return Identity(
        identity=identity,
        kind="user",
        tenant=tenant,
        permissions=permissions,
        display_name=str(fields.get("display_name") or identity),
        is_authenticated=bool(fields.get("is_authenticated", True)),
        fields={**fields, "permissions": list(permissions)},
    )


class Authenticator:
    """Runs the auth module's authenticate handler (or refuses everyone when it has none)."""

    def __init__(self, auth: langgraph_sdk.Auth) -> None:
        self.auth = auth
        handler = auth._authenticate_handler
        self._handler = handler
        self._params = set(inspect.signature(handler).parameters) if handler is not None else set()

    async def authenticate(self, info: RequestInfo) -> Identity:
        if self._handler is None:
            raise AuthError(401, "this deployment has an auth module without an @auth.authenticate handler")
        request = info.request or SimpleNamespace(
            method=info.method,
            headers=info.headers,
            url=SimpleNamespace(path=info.path),
            query_params=info.query_params,
            path_params=info.path_params,
        )
        offered = {
            "request": request,
            "headers": {k.encode(): v.encode() for k, v in info.headers.items()},
            "authorization": info.headers.get("authorization"),
            "method": info.method,
            "path": info.path,
            "query_params": dict(info.query_params),
            "path_params": dict(info.path_params),
            "scopes": [],
        }
        try:
            result = await self._handler(**{k: v for k, v in offered.items() if k in self._params})
            return identity_of(result)
        except HTTPException as exc:
            raise AuthError(exc.status_code, exc.detail, exc.headers) from None
        except Exception as exc:  # noqa: BLE001 - a failing handler is a refusal, never a 500
            log.warning("authenticate handler failed: %s", type(exc).__name__)
            raise AuthError(401, "authentication failed") from None
