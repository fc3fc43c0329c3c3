"""OperatorKeyStore: operator API keys. Only a SHA-256 of each key's secret is kept."""

from __future__ import annotations

from typing import Any

from core.storage._common import Clock, utcnow
from core.storage._sql.db import Database, decode

__all__ = ["SqlOperatorKeyStore"]


class SqlOperatorKeyStore:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self._clock = clock

    async def create(self, key_id: str, name: str, role: str, secret_hash: str) -> dict[str, Any]:
        async with self._db.write() as tx:
            row = await tx.fetchone(
                """INSERT INTO portico_operator_keys (key_id, name, role, secret_hash, created_at, revoked_at)
                   VALUES (:key_id, :name, :role, :secret_hash, :now, NULL) RETURNING *""",
                {
                    "key_id": key_id,
                    "name": name,
                    "role": role,
                    "secret_hash": secret_hash,
                    "now": self._clock(),
                },
            )
        assert row is not None
        return decode(row, self._db.dialect)

    async def get(self, key_id: str) -> dict[str, Any] | None:
        async with self._db.read() as tx:
            row = await tx.fetchone("SELECT * FROM portico_operator_keys WHERE key_id = :k", {"k": key_id})
        return None if row is None else decode(row, self._db.dialect)

    async def list(self) -> list[dict[str, Any]]:
        async with self._db.read() as tx:
            rows = await tx.fetchall("SELECT * FROM portico_operator_keys ORDER BY created_at, key_id")
        return [decode(r, self._db.dialect) for r in rows]

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key at once (it stays listed, revoked); False when unknown or already revoked."""
        async with self._db.write() as tx:
            changed = await tx.execute(
                "UPDATE portico_operator_keys SET revoked_at = :now WHERE key_id = :k AND revoked_at IS NULL",
                {"now": self._clock(), "k": key_id},
            )
        return changed > 0
