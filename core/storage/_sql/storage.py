"""What both backends' ``Storage`` classes share: the stores over one ``Database``, and the health check."""

from __future__ import annotations

from typing import Any

from auth.vault.store import VaultStore
from core.storage._common import Clock
from core.storage._sql.assistants import SqlAssistantStore
from core.storage._sql.checkpoints import SqlCheckpointAdmin
from core.storage._sql.crons import SqlCronStore
from core.storage._sql.db import Database
from core.storage._sql.deliveries import SqlDeliveryStore
from core.storage._sql.events import SqlEventStore
from core.storage._sql.keys import SqlOperatorKeyStore
from core.storage._sql.runs import SqlRunStore
from core.storage._sql.threads import SqlThreadStore
from core.storage._sql.vault import SqlVaultStore
from core.storage.base import (
    AssistantStore,
    CheckpointAdmin,
    CronStore,
    DeliveryStore,
    EventStore,
    RunStore,
    ThreadStore,
)

__all__ = ["SqlStorage"]


class SqlStorage:
    """The stores of a backend; the subclass opens ``db`` and sets ``checkpointer`` and ``store`` in setup()."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self.checkpointer: Any = None
        self.store: Any = None
        self.assistants: AssistantStore = SqlAssistantStore(db, clock)
        self.threads: ThreadStore = SqlThreadStore(db, clock)
        self.runs: RunStore = SqlRunStore(db, clock)
        self.events: EventStore = SqlEventStore(db, clock)
        self.deliveries: DeliveryStore = SqlDeliveryStore(db, clock)
        self.crons: CronStore = SqlCronStore(db, clock)
        self.operator_keys = SqlOperatorKeyStore(db, clock)
        self.vault: VaultStore = SqlVaultStore(db, clock)
        self.checkpoints: CheckpointAdmin = SqlCheckpointAdmin(db, lambda: self.checkpointer)

    async def ping(self) -> bool:
        """True when the database answers a query."""
        try:
            async with self._db.read() as tx:
                return await tx.fetchone("SELECT 1 AS one") is not None
        except Exception:  # noqa: BLE001 - a health check reports, it does not raise
            return False
