"""The identity header the gateway puts on its calls to the core, signed so no caller can forge it.

The gateway and the core share a secret (``PORTICO_AUTH_SECRET``; ``portico serve`` makes one per process
when it runs both). The header is ``<base64url JSON>.<base64url HMAC-SHA256>``; the core accepts it only
when the MAC is right, and refuses a request that carries one that is not.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Any

import orjson

from auth.identity import Identity

__all__ = ["HEADER", "InvalidIdentity", "secret_from_env", "sign", "verify"]

HEADER = "x-portico-identity"


class InvalidIdentity(Exception):
    """The identity header is malformed or its signature is wrong."""


def secret_from_env() -> bytes | None:
    value = os.environ.get("PORTICO_AUTH_SECRET")
    return value.encode() if value else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def sign(identity: Identity, secret: bytes) -> str:
    doc: dict[str, Any] = {
        "id": identity.identity,
        "kind": identity.kind,
        "tenant": identity.tenant,
        "perms": list(identity.permissions),
        "name": identity.display_name,
        "authn": identity.is_authenticated,
        "fields": dict(identity.fields),
        "role": identity.role,
    }
    payload = _b64(orjson.dumps(doc, default=str))
    return f"{payload}.{_mac(secret, payload)}"


def verify(value: str, secret: bytes) -> Identity:
    payload, sep, mac = value.partition(".")
    if not sep or not hmac.compare_digest(_mac(secret, payload), mac):
        raise InvalidIdentity("the identity header's signature is not valid")
    try:
        doc = orjson.loads(_unb64(payload))
        return Identity(
            identity=str(doc["id"]),
            kind=str(doc["kind"]),
            tenant=str(doc.get("tenant") or ""),
            permissions=tuple(doc.get("perms") or ()),
            display_name=str(doc.get("name") or ""),
            is_authenticated=bool(doc.get("authn")),
            fields=dict(doc.get("fields") or {}),
            role=doc.get("role"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidIdentity(f"the identity header is malformed: {exc}") from exc
