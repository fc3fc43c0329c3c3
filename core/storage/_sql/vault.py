"""SqlVaultStore: the token vault's rows (``auth.vault.store.VaultStore``), written once for both databases.

Secrets arrive sealed (``auth.vault.crypto``); this module never sees a plaintext token. The refresh lease
is a compare-and-set UPDATE on the token row: it succeeds for one caller while the lease is free or lapsed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from auth.vault.crypto import Sealed
from core.storage._common import Clock, parse_time, utcnow
from core.storage._sql.db import Database, decode

__all__ = ["SqlVaultStore"]

_KEY = "tenant = :tenant AND user_id = :user_id AND provider = :provider"


def _key(tenant: str, user_id: str, provider: str) -> dict[str, Any]:
    return {"tenant": tenant, "user_id": user_id, "provider": provider}


def _sealed(sealed: Sealed, prefix: str = "") -> dict[str, Any]:
    return {
        f"{prefix}key_id": sealed.key_id,
        f"{prefix}nonce": sealed.nonce,
        f"{prefix}ciphertext": sealed.ciphertext,
    }


class SqlVaultStore:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    def _decode(self, row: dict[str, Any]) -> dict[str, Any]:
        out = decode(row, self._db.dialect)
        if "expires_at" in out:
            out["expires_at"] = parse_time(out["expires_at"])
        return out

    # ------------------------------------------------------------------------------------------ tokens

    async def get_token(self, tenant: str, user_id: str, provider: str) -> dict[str, Any] | None:
        async with self._db.read() as tx:
            row = await tx.fetchone(
                f"SELECT * FROM portico_vault_tokens WHERE {_KEY}", _key(tenant, user_id, provider)
            )
        return self._decode(row) if row else None

    async def put_token(
        self, tenant: str, user_id: str, provider: str, sealed: Sealed, expires_at: datetime | None
    ) -> None:
        now = self._clock()
        async with self._db.write() as tx:
            await tx.execute(
                """INSERT INTO portico_vault_tokens (tenant, user_id, provider, key_id, nonce, ciphertext,
                                                     expires_at, created_at, updated_at)
                   VALUES (:tenant, :user_id, :provider, :key_id, :nonce, :ciphertext, :expires_at, :now, :now)
                   ON CONFLICT (tenant, user_id, provider) DO UPDATE SET
                       key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext,
                       expires_at = excluded.expires_at, lease_owner = NULL, lease_expires_at = NULL,
                       updated_at = excluded.updated_at""",
                {**_key(tenant, user_id, provider), **_sealed(sealed), "expires_at": expires_at, "now": now},
            )

    async def delete_token(self, tenant: str, user_id: str, provider: str) -> bool:
        async with self._db.write() as tx:
            return (
                await tx.execute(
                    f"DELETE FROM portico_vault_tokens WHERE {_KEY}", _key(tenant, user_id, provider)
                )
                > 0
            )

    async def list_tokens(self, tenant: str, user_id: str) -> list[dict[str, Any]]:
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                """SELECT provider, key_id, expires_at, created_at, updated_at FROM portico_vault_tokens
                   WHERE tenant = :tenant AND user_id = :user_id ORDER BY provider""",
                {"tenant": tenant, "user_id": user_id},
            )
        return [self._decode(r) for r in rows]

    async def take_refresh_lease(
        self, tenant: str, user_id: str, provider: str, owner: str, *, now: datetime, lease_seconds: float
    ) -> bool:
        async with self._db.write() as tx:
            changed = await tx.execute(
                f"""UPDATE portico_vault_tokens SET lease_owner = :owner, lease_expires_at = :expires
                    WHERE {_KEY} AND (lease_owner IS NULL OR lease_owner = :owner OR lease_expires_at < :now)""",
                {
                    **_key(tenant, user_id, provider),
                    "owner": owner,
                    "now": now,
                    "expires": now + timedelta(seconds=lease_seconds),
                },
            )
        return changed == 1

    async def finish_refresh(
        self,
        tenant: str,
        user_id: str,
        provider: str,
        owner: str,
        sealed: Sealed,
        expires_at: datetime | None,
    ) -> bool:
        async with self._db.write() as tx:
            changed = await tx.execute(
                f"""UPDATE portico_vault_tokens SET key_id = :key_id, nonce = :nonce, ciphertext = :ciphertext,
                           expires_at = :expires_at, lease_owner = NULL, lease_expires_at = NULL, updated_at = :now
                    WHERE {_KEY} AND lease_owner = :owner""",
                {
                    **_key(tenant, user_id, provider),
                    **_sealed(sealed),
                    "owner": owner,
                    "expires_at": expires_at,
                    "now": self._clock(),
                },
            )
        return changed == 1

    async def release_refresh_lease(self, tenant: str, user_id: str, provider: str, owner: str) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                f"""UPDATE portico_vault_tokens SET lease_owner = NULL, lease_expires_at = NULL
                    WHERE {_KEY} AND lease_owner = :owner""",
                {**_key(tenant, user_id, provider), "owner": owner},
            )

    async def reseal_token(self, tenant: str, user_id: str, provider: str, old: Sealed, new: Sealed) -> bool:
        async with self._db.write() as tx:
            changed = await tx.execute(
                f"""UPDATE portico_vault_tokens SET key_id = :key_id, nonce = :nonce, ciphertext = :ciphertext
                    WHERE {_KEY} AND key_id = :old_key_id AND nonce = :old_nonce""",
                {
                    **_key(tenant, user_id, provider),
                    **_sealed(new),
                    "old_key_id": old.key_id,
                    "old_nonce": old.nonce,
                },
            )
        return changed == 1

    async def tokens_not_under(self, key_id: str, *, limit: int) -> list[dict[str, Any]]:
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                """SELECT * FROM portico_vault_tokens WHERE key_id <> :key_id
                   ORDER BY tenant, user_id, provider LIMIT :limit""",
                {"key_id": key_id, "limit": limit},
            )
        return [self._decode(r) for r in rows]

    # ---------------------------------------------------------------------------------- authorizations

    async def put_authorization(
        self, state_hash: str, tenant: str, user_id: str, provider: str, sealed: Sealed, expires_at: datetime
    ) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                """INSERT INTO portico_vault_authorizations (state_hash, tenant, user_id, provider, key_id, nonce,
                                                             ciphertext, expires_at, created_at)
                   VALUES (:state_hash, :tenant, :user_id, :provider, :key_id, :nonce, :ciphertext, :expires_at,
                           :now)""",
                {
                    "state_hash": state_hash,
                    **_key(tenant, user_id, provider),
                    **_sealed(sealed),
                    "expires_at": expires_at,
                    "now": self._clock(),
                },
            )

    async def get_authorization(self, state_hash: str) -> dict[str, Any] | None:
        async with self._db.read() as tx:
            row = await tx.fetchone(
                "SELECT * FROM portico_vault_authorizations WHERE state_hash = :s", {"s": state_hash}
            )
        return self._decode(row) if row else None

    async def delete_authorization(self, state_hash: str) -> bool:
        async with self._db.write() as tx:
            return (
                await tx.execute(
                    "DELETE FROM portico_vault_authorizations WHERE state_hash = :s", {"s": state_hash}
                )
                > 0
            )

    async def delete_expired_authorizations(self, now: datetime) -> int:
        async with self._db.write() as tx:
            return await tx.execute(
                "DELETE FROM portico_vault_authorizations WHERE expires_at < :now", {"now": now}
            )

    # ------------------------------------------------------------------------------------------- waits

    async def add_wait(
        self, *, thread_id: str, provider: str, run_id: str, assistant_id: str, tenant: str, user_id: str
    ) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                """INSERT INTO portico_vault_waits (thread_id, provider, run_id, assistant_id, tenant, user_id,
                                                    created_at)
                   VALUES (:thread_id, :provider, :run_id, :assistant_id, :tenant, :user_id, :now)
                   ON CONFLICT (thread_id, provider) DO UPDATE SET
                       run_id = excluded.run_id, assistant_id = excluded.assistant_id, tenant = excluded.tenant,
                       user_id = excluded.user_id, created_at = excluded.created_at""",
                {
                    "thread_id": thread_id,
                    "run_id": run_id,
                    "assistant_id": assistant_id,
                    **_key(tenant, user_id, provider),
                    "now": self._clock(),
                },
            )

    async def take_waits(self, tenant: str, user_id: str, provider: str) -> list[dict[str, Any]]:
        async with self._db.write() as tx:
            rows = await tx.fetchall(
                f"DELETE FROM portico_vault_waits WHERE {_KEY} RETURNING *", _key(tenant, user_id, provider)
            )
        return sorted((self._decode(r) for r in rows), key=lambda w: w["created_at"])
