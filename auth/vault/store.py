"""What the vault needs from storage: rows of sealed secrets, a refresh lease per token, and run waits.

Rows are dicts keyed by column name; ``nonce`` and ``ciphertext`` are bytes, times aware UTC datetimes.
``core.storage._sql.vault`` implements it once for SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from auth.vault.crypto import Sealed

__all__ = ["VaultStore"]


class VaultStore(Protocol):
    # Tokens: one row per (tenant, user_id, provider).
    async def get_token(self, tenant: str, user_id: str, provider: str) -> dict[str, Any] | None: ...

    async def put_token(
        self, tenant: str, user_id: str, provider: str, sealed: Sealed, expires_at: datetime | None
    ) -> None:
        """Insert or replace the token; any refresh lease on the row is dropped."""
        ...

    async def delete_token(self, tenant: str, user_id: str, provider: str) -> bool: ...

    async def list_tokens(self, tenant: str, user_id: str) -> list[dict[str, Any]]: ...

    async def take_refresh_lease(
        self, tenant: str, user_id: str, provider: str, owner: str, *, now: datetime, lease_seconds: float
    ) -> bool:
        """Compare-and-set: ``owner`` holds the row's refresh lease when it was free or lapsed."""
        ...

    async def finish_refresh(
        self,
        tenant: str,
        user_id: str,
        provider: str,
        owner: str,
        sealed: Sealed,
        expires_at: datetime | None,
    ) -> bool:
        """Write the refreshed token and drop the lease, only while ``owner`` still holds it."""
        ...

    async def release_refresh_lease(self, tenant: str, user_id: str, provider: str, owner: str) -> None: ...

    async def reseal_token(self, tenant: str, user_id: str, provider: str, old: Sealed, new: Sealed) -> bool:
        """Replace ``old`` by ``new`` (the same secret under another key) if the row still holds ``old``."""
        ...

    async def tokens_not_under(self, key_id: str, *, limit: int) -> list[dict[str, Any]]:
        """Token rows sealed under a key other than ``key_id`` (rotation)."""
        ...

    # Started authorizations, keyed by a hash of their state.
    async def put_authorization(
        self, state_hash: str, tenant: str, user_id: str, provider: str, sealed: Sealed, expires_at: datetime
    ) -> None: ...

    async def get_authorization(self, state_hash: str) -> dict[str, Any] | None: ...

    async def delete_authorization(self, state_hash: str) -> bool:
        """True for the one caller that deleted it: a state completes at most once."""
        ...

    async def delete_expired_authorizations(self, now: datetime) -> int: ...

    # Runs interrupted until a user authorizes a provider: one per (thread, provider).
    async def add_wait(
        self,
        *,
        thread_id: str,
        provider: str,
        run_id: str,
        assistant_id: str,
        tenant: str,
        user_id: str,
    ) -> None: ...

    async def take_waits(self, tenant: str, user_id: str, provider: str) -> list[dict[str, Any]]:
        """Remove and return the waits of (tenant, user, provider)."""
        ...
