"""Operator API keys: ``pko_<key id>_<secret>``, shown once at creation; storage keeps a SHA-256 of the
secret (it is 256 random bits, so a fast hash is enough), and a revoked key stops working at once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from auth.errors import InvalidArgument, NotFound
from auth.identity import Identity
from auth.rbac import ROLES

__all__ = ["PREFIX", "OperatorKeys", "looks_like_key"]

PREFIX = "pko_"


def looks_like_key(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX)  # type: ignore[union-attr]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class OperatorKeys:
    """Create, list, revoke and verify keys over the storage's ``operator_keys`` store."""

    def __init__(self, store: Any) -> None:
        self.store = store

    async def create(self, name: str, role: str) -> tuple[dict[str, Any], str]:
        """A new key: its record and the plaintext key (never stored, never shown again)."""
        if role not in ROLES:
            raise InvalidArgument(f"role: must be one of {', '.join(ROLES)}; got {role!r}")
        if not name:
            raise InvalidArgument("name: required")
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        record = await self.store.create(key_id, name, role, _hash(secret))
        return public(record), f"{PREFIX}{key_id}_{secret}"

    async def list(self) -> list[dict[str, Any]]:
        return [public(r) for r in await self.store.list()]

    async def revoke(self, key_id: str) -> None:
        if not await self.store.revoke(key_id):
            raise NotFound(f"operator key {key_id} not found or already revoked")

    async def verify(self, key: str) -> Identity | None:
        """The operator a key belongs to; None for a malformed, unknown or revoked key."""
        if not looks_like_key(key):
            return None
        key_id, sep, secret = key[len(PREFIX) :].partition("_")
        if not sep:
            return None
        record = await self.store.get(key_id)
        if record is None or record.get("revoked_at") is not None:
            return None
        if not hmac.compare_digest(record["secret_hash"], _hash(secret)):
            return None
        return Identity(
            identity=f"operator:{record['name']}",
            kind="operator",
            role=record["role"],
            display_name=record["name"],
            is_authenticated=True,
            fields={"key_id": key_id},
        )


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A key record without its hash."""
    return {k: v for k, v in record.items() if k != "secret_hash"}
